#include "server/bot_frame.h"

#include "dialogue/json_writer.h"

namespace screener::server {

std::string BotFrame(const Turn& turn, std::optional<int64_t> reply_to) {
  std::string out;
  out.reserve(512);
  JsonWriter j(&out);
  j.Open('{');
  j.Key("type").String("bot");
  WriteTurnFields(j, turn);
  if (reply_to) j.Key("reply_to").Int(*reply_to);
  j.Close('}');
  return out;
}

}  // namespace screener::server
