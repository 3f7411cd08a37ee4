#include "dialogue/conversation.h"

#include <gtest/gtest.h>

#include "tests/dialogue/fixtures.h"

namespace screener {
namespace {

using testing::LoadSample;
using testing::SampleScriptJson;

std::vector<std::string> Labels(const Turn& t) {
  std::vector<std::string> out;
  for (const auto& q : t.quick_replies) out.push_back(q.label);
  return out;
}

class ConversationTest : public ::testing::Test {
 protected:
  std::shared_ptr<const LoadedScript> script_ = LoadSample();
  Conversation c_{script_, ConversationOptions{"US"}};
};

TEST_F(ConversationTest, OpensWithIntroAndQuickReplies) {
  Turn t = c_.Start();
  EXPECT_EQ(t.messages, (std::vector<std::string>{"Hello.", "Begin?"}));
  EXPECT_EQ(Labels(t), (std::vector<std::string>{"Yes", "No"}));
  EXPECT_EQ(t.quick_replies[0].key, "y");
  EXPECT_EQ(t.state, "intro");
  EXPECT_FALSE(t.progress);
  EXPECT_FALSE(t.ended);
  EXPECT_EQ(t.kind, TurnKind::kQuestion);
}

TEST_F(ConversationTest, WholePathScoresBandsAndBranchesOnVariable) {
  c_.Start();
  Turn t = c_.Reply("sure");
  EXPECT_EQ(t.state, "q1");
  ASSERT_TRUE(t.progress);
  EXPECT_EQ(t.progress->step, 1);
  EXPECT_EQ(t.progress->of, 2);
  t = c_.Reply("nope");
  EXPECT_EQ(t.state, "q2");
  EXPECT_EQ(Labels(t), (std::vector<std::string>{"Not at all", "Several days", "More than half the days",
                                                 "Nearly every day"}));
  t = c_.Reply("most days");
  EXPECT_TRUE(t.ended);
  EXPECT_EQ(t.kind, TurnKind::kEnd);
  EXPECT_EQ(t.messages, (std::vector<std::string>{"SOME 2", "This is not a diagnosis. Say resources for help.", "BYE"}));
  EXPECT_EQ(t.state, "bye");
}

TEST_F(ConversationTest, FollowUpOnlyWhenAnswerCallsForIt) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("yeah");
  EXPECT_EQ(t.state, "q1-follow");
  EXPECT_FALSE(t.progress);  // follow-ups do not count as numbered questions
  t = c_.Reply("no");
  EXPECT_EQ(t.state, "q2");
  t = c_.Reply("0");
  EXPECT_EQ(t.messages.front(), "SOME 1");
  EXPECT_EQ(t.messages.back(), "BYE YES");
}

TEST_F(ConversationTest, UnclearRepliesRepromptThenFallBack) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("purple");
  EXPECT_EQ(t.kind, TurnKind::kReprompt);
  EXPECT_EQ(t.messages, (std::vector<std::string>{"Q1? Yes or no."}));
  EXPECT_EQ(Labels(t), (std::vector<std::string>{"Yes", "No"}));
  EXPECT_EQ(t.state, "q1");
  t = c_.Reply("yes and no");  // ambiguous counts as unclear too
  EXPECT_EQ(t.state, "q2");    // max_unclear 2 reached: fallback
  EXPECT_EQ(t.kind, TurnKind::kQuestion);
}

TEST_F(ConversationTest, UnclearCountResetsWhenTheQuestionChanges) {
  c_.Start();
  c_.Reply("hmm");  // one unclear at intro
  c_.Reply("yes");
  Turn t = c_.Reply("hmm");  // first unclear at q1: reprompt, not fallback
  EXPECT_EQ(t.kind, TurnKind::kReprompt);
  EXPECT_EQ(t.state, "q1");
}

TEST_F(ConversationTest, BackUndoesScoreAndVariable) {
  c_.Start();
  c_.Reply("yes");
  c_.Reply("no");  // q1 = no, total 0
  Turn t = c_.Reply("back");
  EXPECT_EQ(t.state, "q1");
  EXPECT_EQ(t.messages, (std::vector<std::string>{"Q1?"}));
  c_.Reply("yes");      // q1 = yes, total 1
  c_.Reply("no");       // follow-up
  t = c_.Reply("3");    // total 4
  EXPECT_EQ(t.messages.front(), "SOME 4");
  EXPECT_EQ(t.messages.back(), "BYE YES");
}

TEST_F(ConversationTest, BackTwiceAndBackAtTheStart) {
  c_.Start();
  Turn t = c_.Reply("back");
  EXPECT_EQ(t.messages.front(), "There's no earlier question to go back to.");
  EXPECT_EQ(t.state, "intro");
  c_.Reply("yes");
  c_.Reply("yes");  // q1 yes -> follow
  c_.Reply("no");   // follow no -> q2
  t = c_.Reply("go back");
  EXPECT_EQ(t.state, "q1-follow");
  t = c_.Reply("back");
  EXPECT_EQ(t.state, "q1");
  c_.Reply("no");
  t = c_.Reply("not at all");
  EXPECT_EQ(t.messages.front(), "NONE 0");
}

TEST_F(ConversationTest, RestartClearsAnswers) {
  c_.Start();
  c_.Reply("yes");
  c_.Reply("yes");
  Turn t = c_.Reply("start over");
  EXPECT_EQ(t.messages.front(), "Okay, let's start again from the beginning.");
  EXPECT_EQ(t.state, "intro");
  c_.Reply("yes");
  c_.Reply("no");
  t = c_.Reply("never");
  EXPECT_EQ(t.messages.front(), "NONE 0");
}

TEST_F(ConversationTest, StopEndsKindlyWithDisclaimerAndResources) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("Stop");
  EXPECT_TRUE(t.ended);
  EXPECT_NE(std::find(t.messages.begin(), t.messages.end(), "This is not a diagnosis."), t.messages.end());
  ASSERT_FALSE(t.resources.empty());
  EXPECT_EQ(t.resources.front().phone, "988");
  t = c_.Reply("yes");
  EXPECT_TRUE(t.ended);
  EXPECT_EQ(t.messages.front().rfind("This check has finished.", 0), 0u);
}

TEST_F(ConversationTest, StopWordInsideAnAnswerIsNotTheCommand) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("yes, I can't stop worrying");
  EXPECT_FALSE(t.ended);
  EXPECT_EQ(t.state, "q1-follow");
}

TEST_F(ConversationTest, HelpAndResourcesKeepThePlace) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("help");
  EXPECT_EQ(t.kind, TurnKind::kInfo);
  EXPECT_EQ(t.messages.back(), "Q1?");
  EXPECT_EQ(t.state, "q1");
  t = c_.Reply("resources");
  EXPECT_EQ(t.resources.size(), 2u);
  EXPECT_FALSE(t.crisis);
  EXPECT_EQ(Labels(t), (std::vector<std::string>{"Yes", "No"}));
  t = c_.Reply("no");
  EXPECT_EQ(t.state, "q2");
}

TEST_F(ConversationTest, CrisisMidQuestionPreEmptsTheScriptAndHolds) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("yes CRISIS");  // would have answered "yes" to q1
  EXPECT_EQ(t.kind, TurnKind::kCrisis);
  ASSERT_TRUE(t.crisis);
  EXPECT_EQ(t.crisis->categories, (std::vector<std::string>{"suicide"}));
  EXPECT_EQ(t.messages, (std::vector<std::string>{"ESCALATION", "HOLD"}));
  EXPECT_EQ(t.resources.size(), 2u);
  EXPECT_FALSE(t.progress);
  EXPECT_TRUE(t.crisis_active);
  // The questionnaire does not carry on by itself.
  t = c_.Reply("yes");
  EXPECT_EQ(t.kind, TurnKind::kHold);
  EXPECT_FALSE(t.resources.empty());
  // A second hit gets the whole crisis reply again.
  t = c_.Reply("CRISIS again");
  EXPECT_EQ(t.kind, TurnKind::kCrisis);
  EXPECT_FALSE(t.resources.empty());
  // Resuming re-asks the interrupted question; the message was not an answer.
  t = c_.Reply("continue");
  EXPECT_EQ(t.messages, (std::vector<std::string>{"RESUMED", "Q1?"}));
  EXPECT_EQ(t.state, "q1");
  EXPECT_TRUE(t.crisis_active);  // stays in effect
  t = c_.Reply("no");
  EXPECT_TRUE(t.crisis_active);
  EXPECT_EQ(t.state, "q2");
}

TEST_F(ConversationTest, CrisisAboutSomeoneElseUsesOtherFraming) {
  c_.Start();
  Turn t = c_.Reply("someone CRISIS");
  ASSERT_TRUE(t.crisis);
  EXPECT_TRUE(t.crisis->about_someone_else);
  EXPECT_EQ(t.messages.front(), "ESCALATION OTHER");
}

TEST_F(ConversationTest, AmbiguousHitAsksDirectlyAndNoGoesBack) {
  c_.Start();
  c_.Reply("yes");
  Turn t = c_.Reply("MAYBE");
  EXPECT_EQ(t.kind, TurnKind::kSafetyCheck);
  EXPECT_EQ(t.messages, (std::vector<std::string>{"CHECK?"}));
  EXPECT_EQ(Labels(t), (std::vector<std::string>{"Yes", "No"}));
  t = c_.Reply("no");
  EXPECT_EQ(t.messages, (std::vector<std::string>{"CHECK NO", "Q1?"}));
  EXPECT_EQ(t.state, "q1");
  EXPECT_FALSE(t.crisis_active);
}

TEST_F(ConversationTest, AmbiguousHitThenYesOrUnclearGivesCrisisReply) {
  for (const char* answer : {"yes", "I don't know", "whatever", "MAYBE"}) {
    Conversation c(script_, ConversationOptions{"US"});
    c.Start();
    c.Reply("MAYBE");
    Turn t = c.Reply(answer);
    EXPECT_EQ(t.kind, TurnKind::kCrisis) << answer;
    EXPECT_FALSE(t.resources.empty()) << answer;
    // Then resume at the place the check interrupted.
    t = c.Reply("continue");
    EXPECT_EQ(t.state, "intro") << answer;
  }
}

TEST_F(ConversationTest, EscalatingAnswerShowsCrisisThenResumesAfterTheAnswer) {
  c_.Start();
  c_.Reply("yes");
  c_.Reply("yes");
  Turn t = c_.Reply("yes");  // the follow-up escalates on yes
  EXPECT_EQ(t.kind, TurnKind::kCrisis);
  EXPECT_EQ(t.crisis->categories, (std::vector<std::string>{"self_harm"}));
  EXPECT_EQ(t.crisis->source, CrisisNotice::Source::kAnswer);
  t = c_.Reply("carry on");
  EXPECT_EQ(t.state, "q2");  // the answer was recorded; go on to the next
}

TEST_F(ConversationTest, CrisisAfterTheEndStillShowsResources) {
  c_.Start();
  c_.Reply("no");
  Turn t = c_.Reply("CRISIS");
  EXPECT_EQ(t.kind, TurnKind::kCrisis);
  EXPECT_FALSE(t.resources.empty());
  EXPECT_TRUE(t.ended);
}

TEST(ConversationPolicy, EndPolicyEndsAfterCrisisReply) {
  auto script = LoadSample(SampleScriptJson("end"));
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  Turn t = c.Reply("CRISIS");
  EXPECT_TRUE(t.ended);
  EXPECT_EQ(t.messages, (std::vector<std::string>{"ESCALATION"}));
  t = c.Reply("resources");
  EXPECT_FALSE(t.resources.empty());
}

TEST(ConversationRegion, UnknownRegionGetsTheDefaultList) {
  Conversation c(LoadSample(), ConversationOptions{"ZZ"});
  c.Start();
  Turn t = c.Reply("CRISIS");
  ASSERT_EQ(t.resources.size(), 1u);
  EXPECT_EQ(t.resources[0].name, "Find a Helpline");
}

TEST_F(ConversationTest, ReplyBeforeStartIncludesTheOpeningAndChecksCrisis) {
  Turn t = c_.Reply("CRISIS");
  EXPECT_EQ(t.messages.front(), "Hello.");
  EXPECT_TRUE(t.crisis);
}

TEST_F(ConversationTest, EmptyMessageRepromptsWithoutCounting) {
  c_.Start();
  c_.Reply("yes");
  c_.Reply("   ");
  Turn t = c_.Reply("");
  EXPECT_EQ(t.kind, TurnKind::kReprompt);
  t = c_.Reply("blah");
  EXPECT_EQ(t.kind, TurnKind::kReprompt);  // only the first counted unclear
}

// Saving and restoring at every step gives the same next turn as carrying on.
TEST(ConversationSave, RoundTripAtEveryStepGivesTheSameTurns) {
  auto script = LoadSample();
  const std::vector<std::string> replies = {"hmm", "yes", "MAYBE", "no", "yes", "yes", "help",
                                            "continue", "back", "yes", "CRISIS", "continue", "2", "again"};
  Conversation straight(script, ConversationOptions{"US"});
  Conversation resumed(script, ConversationOptions{"US"});
  straight.Start();
  resumed.Start();
  for (const std::string& reply : replies) {
    nlohmann::json saved = resumed.Save();
    auto restored = Conversation::Restore(script, nlohmann::json::parse(saved.dump()));
    ASSERT_TRUE(restored.ok()) << restored.error();
    resumed = std::move(*restored);
    EXPECT_EQ(TurnToJson(resumed.last_turn()), TurnToJson(straight.last_turn()));
    Turn a = straight.Reply(reply);
    Turn b = resumed.Reply(reply);
    EXPECT_EQ(TurnToJson(a), TurnToJson(b)) << "after " << reply;
  }
}

TEST(ConversationSave, SaveHoldsNoMessageText) {
  auto script = LoadSample();
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  c.Reply("yes");
  c.Reply("my secret words, yes");
  EXPECT_EQ(c.Save().dump().find("secret"), std::string::npos);
}

TEST(ConversationSave, RestoreRejectsAnotherScriptOrMissingState) {
  auto script = LoadSample();
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  nlohmann::json saved = c.Save();
  saved["script"] = "other";
  EXPECT_EQ(Conversation::Restore(script, saved).error(), "/script: saved for script \"other\", not \"sample\"");
  saved = c.Save();
  saved["state"] = "gone";
  EXPECT_EQ(Conversation::Restore(script, saved).error(), "/state: no question \"gone\" in this script");
  EXPECT_FALSE(Conversation::Restore(script, nlohmann::json::object()).ok());
  EXPECT_FALSE(Conversation::Restore(script, nlohmann::json("garbage")).ok());
}

TEST(ConversationDeterminism, SameInputsSameTurns) {
  auto script = LoadSample();
  std::vector<std::string> replies = {"yes", "yes", "no", "sevral days"};
  std::vector<nlohmann::json> first, second;
  for (auto* out : {&first, &second}) {
    Conversation c(script, ConversationOptions{"US"});
    out->push_back(TurnToJson(c.Start()));
    for (const auto& r : replies) out->push_back(TurnToJson(c.Reply(r)));
  }
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.back()["messages"][0], "SOME 2");  // "sevral days" understood as several days
}

}  // namespace
}  // namespace screener
