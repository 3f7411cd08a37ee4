#include "dialogue/transcript.h"

#include <gtest/gtest.h>

#include "tests/dialogue/fixtures.h"

namespace screener {
namespace {

const char* kPassing = R"(# all yes
region: US

bot: Hello.
bot: Begin?
buttons: Yes | No
state: intro
> yes
bot: Q1?
progress: 1/2
state: q1
> CRISIS now
crisis: suicide
says: ESCALATION
resources: 988 Suicide & Crisis Lifeline | Emergency services
state: q1
> continue
state: q1
> no
state: q2
> 0
says: NONE 0
ended: yes
)";

TEST(Transcript, PassingTranscriptPasses) {
  auto t = ParseTranscript(kPassing, "t.txt");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->turns.size(), 6u);
  TranscriptRun run = RunTranscript(testing::LoadSample(), *t);
  EXPECT_TRUE(run.passed) << run.report;
}

TEST(Transcript, MismatchReportsLineExpectedAndActual) {
  std::string text = kPassing;
  text.replace(text.find("state: q2"), 9, "state: q3");
  auto t = ParseTranscript(text, "t.txt");
  ASSERT_TRUE(t.ok());
  TranscriptRun run = RunTranscript(testing::LoadSample(), *t);
  EXPECT_FALSE(run.passed);
  EXPECT_EQ(run.report,
            "t.txt:19: turn 4 (> no) differs\n"
            "  - state: q3\n"
            "  + bot: Q2?\n"
            "  + buttons: Not at all | Several days | More than half the days | Nearly every day\n"
            "  + progress: 2/2\n"
            "  + state: q2\n");
}

TEST(Transcript, CrisisAndEndedAreAlwaysChecked) {
  // A turn that shows a crisis reply fails a transcript that does not expect one.
  auto t = ParseTranscript("state: intro\n> CRISIS\nstate: intro\n", "t.txt");
  ASSERT_TRUE(t.ok());
  TranscriptRun run = RunTranscript(testing::LoadSample(), *t);
  EXPECT_FALSE(run.passed);
  EXPECT_NE(run.report.find("  - crisis: none"), std::string::npos) << run.report;
}

TEST(Transcript, RegeneratedFileReplaysClean) {
  auto t = ParseTranscript("# header\n> yes\n> yes\n# the follow-up\n> yes\n> continue\n> 2\n", "t.txt");
  ASSERT_TRUE(t.ok());
  TranscriptRun first = RunTranscript(testing::LoadSample(), *t);
  EXPECT_NE(first.regenerated.find("# the follow-up\n> yes\nbot: ESCALATION\n"), std::string::npos)
      << first.regenerated;
  auto again = ParseTranscript(first.regenerated, "t.txt");
  ASSERT_TRUE(again.ok()) << again.error();
  TranscriptRun second = RunTranscript(testing::LoadSample(), *again);
  EXPECT_TRUE(second.passed) << second.report;
  EXPECT_EQ(second.regenerated, first.regenerated);
}

TEST(Transcript, ParseErrorsNameTheLine) {
  auto t = ParseTranscript("bot: hi\n> yes\nstatus: q1\n", "t.txt");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.problems()[0].ToString(),
            "t.txt: line 3: unknown field \"status\" (allowed: bot, says, buttons, progress, state, crisis, check, "
            "resources, ended, and region before the first \">\")");
  EXPECT_EQ(ParseTranscript("bot: hi\n", "t.txt").error(), "t.txt: no \"> message\" lines: nothing to replay");
}

}  // namespace
}  // namespace screener
