// Choice and free-text answers, branching on a choice, and a score
// condition, in one small script.
#include <gtest/gtest.h>

#include "tests/dialogue/fixtures.h"

namespace screener {
namespace {

std::string ChoiceScript() {
  return R"({
  "format": 1, "id": "choice", "title": "Choice", "version": "1", "locale": "en",
  "disclosure": "I'm an automated assistant, not a person.", "disclaimer": "Not a diagnosis.",
  "start": "who",
  "crisis": {"patterns": ["p"], "resources": "r", "escalation": "E", "escalation_other": "EO", "check": "C?",
             "check_no": "CN", "after": "hold", "hold": "H", "resumed": "R"},
  "states": {
    "who": {"kind": "ask", "messages": ["Who do you talk to?"],
            "answer": {"type": "choice", "options": [
              {"id": "partner", "label": "My partner", "synonyms": ["wife", "husband"], "value": 2},
              {"id": "friend", "label": "A friend", "synonyms": ["mate"], "value": 1},
              {"id": "nobody", "label": "Nobody", "synonyms": ["no one"], "value": 0}]},
            "score": "support", "reprompt": "Partner, friend, or nobody?", "max_unclear": 2, "fallback": "anything",
            "on": {"nobody": "lonely"}, "next": "anything"},
    "lonely": {"kind": "say", "messages": ["That sounds lonely."], "next": "anything"},
    "anything": {"kind": "ask", "messages": ["Anything else?"], "answer": {"type": "text"},
                 "reprompt": "Tell me anything, or say skip.", "max_unclear": 1, "fallback": "bye", "next": [
                   {"if": {"score": "support", "at_least": 2}, "goto": "bye-strong"},
                   {"goto": "bye"}]},
    "bye-strong": {"kind": "end", "messages": ["Strong support. Not a diagnosis. Say resources for help."]},
    "bye": {"kind": "end", "messages": ["Bye. Not a diagnosis. Say resources for help."]}
  }
})";
}

class AnswerTypes : public ::testing::Test {
 protected:
  Conversation Make() {
    auto script = testing::LoadSample(ChoiceScript());
    Conversation c(script, ConversationOptions{"US"});
    c.Start();
    return c;
  }
};

TEST_F(AnswerTypes, ChoiceBySynonymBranchesOnScore) {
  Conversation c = Make();
  Turn t = c.Reply("my wife mostly");
  EXPECT_EQ(t.state, "anything");
  EXPECT_TRUE(t.quick_replies.empty());  // free text has no buttons
  t = c.Reply("I have been sleeping badly");
  EXPECT_EQ(t.state, "bye-strong");
  EXPECT_TRUE(t.ended);
}

TEST_F(AnswerTypes, ChoiceByPositionKeyAndFollowUpOnlyForThatOption) {
  Conversation c = Make();
  Turn t = c.Reply("3");
  EXPECT_EQ(t.messages, (std::vector<std::string>{"That sounds lonely.", "Anything else?"}));
  Conversation d = Make();
  t = d.Reply("2");
  EXPECT_EQ(t.messages, (std::vector<std::string>{"Anything else?"}));
  t = d.Reply("no thanks");
  EXPECT_EQ(t.state, "bye");
}

TEST_F(AnswerTypes, TextAnswerNeedsSomeTextAndIsNotKept) {
  Conversation c = Make();
  c.Reply("a friend");
  Turn t = c.Reply("   ");
  EXPECT_EQ(t.kind, TurnKind::kReprompt);
  t = c.Reply("my private words");
  EXPECT_TRUE(t.ended);
  EXPECT_EQ(c.Save().dump().find("private"), std::string::npos);
}

TEST_F(AnswerTypes, ChoiceQuickRepliesCarryPositionKeys) {
  auto script = testing::LoadSample(ChoiceScript());
  Conversation c(script, ConversationOptions{"US"});
  Turn t = c.Start();
  ASSERT_EQ(t.quick_replies.size(), 3u);
  EXPECT_EQ(t.quick_replies[2].label, "Nobody");
  EXPECT_EQ(t.quick_replies[2].key, "3");
}

}  // namespace
}  // namespace screener
