#include "dialogue/answer_matcher.h"

#include <gtest/gtest.h>

#include "dialogue/builtins.h"

namespace screener {
namespace {

struct Case {
  const char* reply;
  const char* expected;  // option id, or nullptr for unclear
};

std::string Resolve(const std::vector<Option>& options, const AnswerMatcher& m, const char* reply) {
  auto index = m.Match(reply);
  return index ? options[*index].id : "(unclear)";
}

TEST(AnswerMatcher, YesNo) {
  auto options = BuiltinOptions(AnswerType::kYesNo, "en");
  AnswerMatcher m(options, "en");
  const Case cases[] = {
      {"yes", "yes"}, {"Yes.", "yes"}, {"YEAH", "yes"}, {"yep", "yes"}, {"y", "yes"}, {"sure", "yes"},
      {"I think so", "yes"}, {"yeah, it has", "yes"}, {"definitely!", "yes"}, {"ok", "yes"},
      {"no", "no"}, {"nope", "no"}, {"nah", "no"}, {"not really", "no"}, {"n", "no"}, {"No, not at all", "no"},
      {"I don't think so", "no"}, {"I don’t think so", "no"},  // curly apostrophe
      {"yes and no", nullptr}, {"no idea", nullptr}, {"I'm not sure", nullptr}, {"maybe", nullptr},
      {"purple", nullptr}, {"", nullptr}, {"   ", nullptr},
      {"yess", "yes"},  // the typed word has four letters: one edit is forgiven
      {"nopee", "no"},  // a typo in a word of four or more letters is forgiven
      {"ye", nullptr},  // too short to forgive
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Resolve(options, m, c.reply), c.expected ? c.expected : "(unclear)") << "reply: " << c.reply;
  }
}

TEST(AnswerMatcher, FrequencyScale) {
  auto options = BuiltinOptions(AnswerType::kFrequency, "en");
  AnswerMatcher m(options, "en");
  const Case cases[] = {
      {"not at all", "not_at_all"}, {"never", "not_at_all"}, {"0", "not_at_all"}, {"zero", "not_at_all"},
      {"several days", "several_days"}, {"a few days", "several_days"}, {"sometimes", "several_days"},
      {"1", "several_days"}, {"one", "several_days"}, {"sevral days", "several_days"},
      {"more than half the days", "more_than_half"}, {"most days", "more_than_half"}, {"2", "more_than_half"},
      {"two", "more_than_half"}, {"often", "more_than_half"},
      {"nearly every day", "nearly_every_day"}, {"every day", "nearly_every_day"}, {"3", "nearly_every_day"},
      {"three", "nearly_every_day"}, {"I'd say nearly every day", "nearly_every_day"},
      {"all the time", "nearly_every_day"}, {"Every. Single. Day.", "nearly_every_day"},
      {"not every day", nullptr},  // negated phrase: ask again rather than guess
      {"4", nullptr}, {"sometimes, most days", nullptr}, {"banana", nullptr},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Resolve(options, m, c.reply), c.expected ? c.expected : "(unclear)") << "reply: " << c.reply;
  }
}

TEST(AnswerMatcher, ChoiceByLabelSynonymAndPosition) {
  std::vector<Option> options = {
      {"partner", "My partner", {"wife", "husband", "boyfriend", "girlfriend"}, 0, "1"},
      {"friend", "A friend", {"mate", "buddy"}, 0, "2"},
      {"nobody", "Nobody", {"no one", "noone"}, 0, "3"},
  };
  AnswerMatcher m(options, "en");
  const Case cases[] = {
      {"my partner", "partner"}, {"my wife", "partner"}, {"1", "partner"}, {"a friend", "friend"},
      {"2", "friend"}, {"probably my buddy", "friend"}, {"no one really", "nobody"}, {"3", "nobody"},
      {"my wife or a friend", nullptr}, {"5", nullptr},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Resolve(options, m, c.reply), c.expected ? c.expected : "(unclear)") << "reply: " << c.reply;
  }
}

TEST(AnswerMatcher, SpanishYesNoIgnoresAccents) {
  auto options = BuiltinOptions(AnswerType::kYesNo, "es");
  AnswerMatcher m(options, "es");
  EXPECT_EQ(Resolve(options, m, "Sí"), "yes");
  EXPECT_EQ(Resolve(options, m, "si"), "yes");
  EXPECT_EQ(Resolve(options, m, "SÍ, CLARO"), "yes");
  EXPECT_EQ(Resolve(options, m, "para nada"), "no");
  EXPECT_EQ(Resolve(options, m, "no sé"), "(unclear)");
}

}  // namespace
}  // namespace screener
