// Format features asked for by script authors: add_synonyms, escalation on
// unclear replies, the built-in "crisis" variable, the skip command, and
// messages with line breaks in transcripts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dialogue/transcript.h"
#include "tests/dialogue/fixtures.h"

namespace screener {
namespace {

using json = nlohmann::ordered_json;

std::shared_ptr<const LoadedScript> Sample(const std::function<void(json&)>& edit) {
  json j = json::parse(testing::SampleScriptJson());
  edit(j);
  return testing::LoadSample(j.dump());
}

TEST(ScriptFeatures, AddSynonymsExtendsBuiltInWords) {
  auto script = Sample([](json& j) { j["states"]["intro"]["answer"]["add_synonyms"] = {{"yes", {"lets go"}}}; });
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  EXPECT_EQ(c.Reply("let's go!").state, "q1");
  Conversation d(script, ConversationOptions{"US"});
  d.Start();
  EXPECT_EQ(d.Reply("yeah").state, "q1");  // the built-in words are still there
}

TEST(ScriptFeatures, AddSynonymsForAnUnknownOptionIsAnError) {
  json j = json::parse(testing::SampleScriptJson());
  j["states"]["intro"]["answer"]["add_synonyms"] = {{"maybe", {"perhaps"}}};
  EXPECT_EQ(ParseScript(j.dump(), "s.json").error(),
            "s.json: /states/intro/answer/add_synonyms/maybe: \"maybe\" is not an option of this question");
}

TEST(ScriptFeatures, EscalateOnUnclearShowsTheCrisisReplyAtTheFallback) {
  auto script = Sample([](json& j) { j["states"]["q1-follow"]["escalate"]["on_unclear"] = true; });
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  c.Reply("yes");
  c.Reply("yes");
  c.Reply("hmm");
  Turn t = c.Reply("dunno");  // second unclear: max_unclear 2
  EXPECT_EQ(t.kind, TurnKind::kCrisis);
  EXPECT_EQ(t.crisis->categories, (std::vector<std::string>{"self_harm"}));
  EXPECT_EQ(c.Reply("continue").state, "q2");
}

TEST(ScriptFeatures, SkipGoesToTheFallback) {
  auto script = testing::LoadSample();
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  c.Reply("yes");
  Turn t = c.Reply("skip");
  EXPECT_EQ(t.state, "q2");
  t = c.Reply("back");  // a skipped question can be gone back to
  EXPECT_EQ(t.state, "q1");
}

TEST(ScriptFeatures, CrisisVariableTellsTheSummary) {
  auto script = Sample([](json& j) {
    j["states"]["summary"]["next"] = json::array({{{"if", {{"var", "crisis"}, {"is", "yes"}}}, {"goto", "bye-yes"}},
                                                  {{"goto", "bye"}}});
  });
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  c.Reply("yes");
  c.Reply("CRISIS");
  c.Reply("continue");
  c.Reply("no");
  EXPECT_EQ(c.Reply("0").state, "bye-yes");
  Conversation d(script, ConversationOptions{"US"});
  d.Start();
  d.Reply("yes");
  d.Reply("no");
  EXPECT_EQ(d.Reply("0").state, "bye");
}

TEST(ScriptFeatures, CrisisVariableIsReserved) {
  json j = json::parse(testing::SampleScriptJson());
  j["states"]["q1"]["var"] = "crisis";
  EXPECT_EQ(ParseScript(j.dump(), "s.json").error(),
            "s.json: /states/q1/var: \"crisis\" is built in (set when a crisis reply is shown); pick another name");
}

TEST(ScriptFeatures, LineBreaksInMessagesSurviveTranscripts) {
  auto script = Sample([](json& j) { j["states"]["q1"]["messages"] = {"line one\nline two \\ slash"}; });
  auto t = ParseTranscript("> yes\n", "t.txt");
  ASSERT_TRUE(t.ok());
  TranscriptRun first = RunTranscript(script, *t);
  EXPECT_NE(first.regenerated.find("bot: line one\\nline two \\\\ slash\n"), std::string::npos) << first.regenerated;
  auto again = ParseTranscript(first.regenerated, "t.txt");
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_TRUE(RunTranscript(script, *again).passed);
}

}  // namespace
}  // namespace screener
