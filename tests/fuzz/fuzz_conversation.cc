// libFuzzer: a conversation on the PHQ-9 script fed any sequence of
// messages (the input split on newlines), with a save/restore round trip
// after every turn. Never crashes; a crisis turn always carries resources.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dialogue/conversation.h"
#include "dialogue/crisis/detector.h"

namespace {

std::shared_ptr<const screener::LoadedScript> Script() {
  static const auto script = [] {
    screener::ScriptLoader loader(
        [](const std::vector<std::string>& files) { return screener::crisis::LoadDetector(files); });
    auto s = loader.Load(SCREENER_SOURCE_DIR "/scripts/phq9.json");
    if (!s) std::abort();
    return *s;
  }();
  return script;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  screener::Conversation c(Script(), screener::ConversationOptions{"US"});
  c.Start();
  int turns = 0;
  while (!input.empty() && turns++ < 64) {
    size_t newline = input.find('\n');
    std::string_view message = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    screener::Turn turn = c.Reply(message);
    if (turn.crisis && turn.resources.empty()) std::abort();
    auto restored = screener::Conversation::Restore(Script(), nlohmann::json::parse(c.Save().dump()));
    if (!restored) std::abort();
    c = std::move(*restored);
  }
  return 0;
}
