#include "server/bot_frame.h"

#include <gtest/gtest.h>

#include <random>

#include "dialogue/conversation.h"
#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

// What the frame used to be: the turn as a JSON tree, dumped.
json Reference(const Turn& turn, std::optional<int64_t> reply_to) {
  json bot = TurnToJson(turn);
  bot["type"] = "bot";
  if (reply_to) bot["reply_to"] = *reply_to;
  return json::parse(bot.dump(-1, ' ', false, json::error_handler_t::replace));
}

void ExpectSame(const Turn& turn, std::optional<int64_t> reply_to) {
  std::string frame = BotFrame(turn, reply_to);
  json parsed = json::parse(frame, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << frame;
  EXPECT_EQ(parsed, Reference(turn, reply_to)) << frame;
}

// Every kind of turn the shipped scripts produce: questions, re-prompts,
// commands, safety checks, crisis replies with resources, holds, summaries.
TEST(BotFrame, EqualsTheTurnAsJsonForEveryTurnOfTheShippedScripts) {
  auto library = Library();
  ASSERT_TRUE(library);
  const std::vector<std::string> answers = {
      "yes", "no", "help", "2", "not really", "most days", "what?", "resources", "back",
      "I want to die", "continue", "how many tylenol would it take", "yes", "continue",
      "several days", "skip", "nearly every day", "no", "stop", "restart", "yes"};
  int turns = 0;
  for (const std::string& id : library->Ids()) {
    for (const std::string region : {"US", "GB", "ZZ"}) {
      Conversation conversation(library->Find(id), ConversationOptions{region});
      ExpectSame(conversation.Start(), std::nullopt);
      for (size_t i = 0; i < 3 * answers.size(); ++i) {
        ExpectSame(conversation.Reply(answers[(i * 7) % answers.size()]), static_cast<int64_t>(i));
        ++turns;
      }
    }
  }
  EXPECT_GT(turns, 100);
}

TEST(BotFrame, EscapesHostileTextAndReplacesInvalidUtf8) {
  Turn turn;
  turn.messages = {"quote \" backslash \\ newline \n tab \t nul " + std::string(1, '\0') + " bell \x07",
                   "<script>alert(1)</script> caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x92\x8A",
                   "bad \xC3 bytes \xFF\xFE overlong \xC0\xAF surrogate \xED\xA0\x80 end \xE2\x9C"};
  turn.quick_replies = {{"Yes \"really\"", "y"}, {"No", ""}};
  turn.state = "q\\1";
  turn.crisis = CrisisNotice{{"suicide"}, "call \x01 now", true, CrisisNotice::Source::kAnswer};
  crisis::Resource r;
  r.name = "Line";
  r.phone = "988";
  r.emergency = true;
  r.languages = {"en", "es"};
  turn.resources = {r};
  ExpectSame(turn, -5);
  ExpectSame(Turn{}, std::nullopt);

  // Random bytes, weighted towards UTF-8 lead and continuation bytes.
  std::mt19937 rng(7);
  const std::string bytes = "ab\"\\\n\x01\x7f\x80\xbf\xc2\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff\x9c\xa0";
  for (int k = 0; k < 3000; ++k) {
    std::string text(rng() % 12, ' ');
    for (char& c : text) c = bytes[rng() % bytes.size()];
    Turn t;
    t.messages = {text};
    ExpectSame(t, std::nullopt);
  }
}

}  // namespace
}  // namespace screener::server::testing
