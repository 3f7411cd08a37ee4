#include "server/saved_record.h"

#include "dialogue/json_writer.h"

namespace screener::server {

std::string SavedRecord(std::string_view id, std::string_view token_hash, int64_t expires_at_unix_ms,
                        int64_t last_answered, const Conversation& conversation) {
  std::string out;
  out.reserve(1536);  // a typical record is 1.1 KB
  JsonWriter j(&out);
  j.Open('{');
  j.Key("format").Int(1);
  j.Key("id").String(id);
  j.Key("token_hash").String(token_hash);
  j.Key("expires_at").Int(expires_at_unix_ms);
  j.Key("last_answered").Int(last_answered);
  j.Key("conversation");
  conversation.WriteSaved(j);
  j.Close('}');
  return out;
}

}  // namespace screener::server
