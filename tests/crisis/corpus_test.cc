// Recall and false-positive rate on the labelled corpora, against stated
// floors. corpus.tsv was used while writing the patterns (the floors guard
// against regressions); heldout.tsv was not (its floors are the honest
// estimate, lower on purpose). See docs/crisis-detection.md for the figures.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "dialogue/crisis/detector.h"

namespace screener::crisis {
namespace {

struct Score {
  int positives = 0, caught = 0, crisis_lines = 0, crisis_as_crisis = 0;
  int negatives = 0, false_positives = 0;
  std::string failures;
  double recall() const { return positives ? double(caught) / positives : 0; }
  double false_positive_rate() const { return negatives ? double(false_positives) / negatives : 1; }
  double crisis_precision_of_tier() const { return crisis_lines ? double(crisis_as_crisis) / crisis_lines : 0; }
};

Score ScoreCorpus(const Detector& detector, const std::string& path) {
  Score s;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    EXPECT_NE(b, std::string::npos) << line;
    if (b == std::string::npos) continue;
    std::string label = line.substr(0, a), text = line.substr(b + 1);
    Assessment got = detector.Assess(text);
    if (label == "none") {
      ++s.negatives;
      if (got.level != Level::kNone) {
        ++s.false_positives;
        s.failures += "false positive: " + text + "\n";
      }
    } else {
      ++s.positives;
      if (got.level != Level::kNone) {
        ++s.caught;
      } else {
        s.failures += "missed: " + text + "\n";
      }
      if (label == "crisis") {
        ++s.crisis_lines;
        if (got.is_crisis()) ++s.crisis_as_crisis;
      }
    }
  }
  return s;
}

std::shared_ptr<const Detector> Shipped() {
  auto d = LoadDetector(DefaultPatternFiles("scripts/crisis"));
  EXPECT_TRUE(d.ok()) << d.error();
  return d.ok() ? *d : nullptr;
}

TEST(CorpusTest, DevelopmentCorpusFloors) {
  auto detector = Shipped();
  ASSERT_TRUE(detector);
  Score s = ScoreCorpus(*detector, "tests/crisis/corpus.tsv");
  EXPECT_GE(s.positives + s.negatives, 300);
  EXPECT_GE(s.recall(), 0.97) << s.failures;
  EXPECT_LE(s.false_positive_rate(), 0.03) << s.failures;
  // Crisis lines should mostly get the crisis reply, not only a question.
  EXPECT_GE(s.crisis_precision_of_tier(), 0.90);
  std::printf("corpus.tsv: recall %.4f (%d/%d), false-positive rate %.4f (%d/%d), crisis-as-crisis %.4f\n",
              s.recall(), s.caught, s.positives, s.false_positive_rate(), s.false_positives, s.negatives,
              s.crisis_precision_of_tier());
}

TEST(CorpusTest, HeldOutCorpusFloors) {
  auto detector = Shipped();
  ASSERT_TRUE(detector);
  Score s = ScoreCorpus(*detector, "tests/crisis/heldout.tsv");
  EXPECT_GE(s.recall(), 0.80) << s.failures;
  EXPECT_LE(s.false_positive_rate(), 0.10) << s.failures;
  std::printf("heldout.tsv: recall %.4f (%d/%d), false-positive rate %.4f (%d/%d)\n", s.recall(), s.caught,
              s.positives, s.false_positive_rate(), s.false_positives, s.negatives);
}

// heldout2.tsv: written before the second pattern round and committed on
// its own first. Its figure is optimistic in one way (the same person wrote
// the lines and the patterns); see docs/crisis-detection.md.
TEST(CorpusTest, SecondHeldOutCorpusFloors) {
  auto detector = Shipped();
  ASSERT_TRUE(detector);
  Score s = ScoreCorpus(*detector, "tests/crisis/heldout2.tsv");
  EXPECT_GE(s.recall(), 0.85) << s.failures;
  EXPECT_LE(s.false_positive_rate(), 0.10) << s.failures;
  std::printf("heldout2.tsv: recall %.4f (%d/%d), false-positive rate %.4f (%d/%d)\n", s.recall(), s.caught,
              s.positives, s.false_positive_rate(), s.false_positives, s.negatives);
}

// A detector that finds nothing must fail the floors: the test can fail.
TEST(CorpusTest, FloorsRejectADetectorThatSeesNothing) {
  struct Blind : Detector {
    Assessment Assess(std::string_view) const override { return {}; }
  } blind;
  Score s = ScoreCorpus(blind, "tests/crisis/corpus.tsv");
  EXPECT_LT(s.recall(), 0.97);
  struct Paranoid : Detector {
    Assessment Assess(std::string_view) const override { return {Level::kCrisis, {"suicide"}, false}; }
  } paranoid;
  EXPECT_GT(ScoreCorpus(paranoid, "tests/crisis/corpus.tsv").false_positive_rate(), 0.03);
}

}  // namespace
}  // namespace screener::crisis
