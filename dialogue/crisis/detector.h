// The crisis detector: normalised text, RE2::Set per language, context rules.
//
// Built once from pattern files (scripts/crisis/patterns-*.json) and idiom
// files (scripts/crisis/idioms-*.json); see docs/crisis-detection.md for the
// formats. A message is normalised (normalizer.h), matched against every
// language's RE2::Set (people switch languages mid-sentence), and each hit is
// then judged in C++ by the context rules RE2 cannot express (no look-around):
// idiom, someone else, negation, hypothetical, past, quotation, and the
// weighting of means and goodbye signals. Rules may turn a crisis into an ask
// but never into none; only a listed idiom covering the hit's whole span
// removes it.
//
// An RE2::Set engine failure (DFA out of memory) never reads as "no crisis":
// the detector falls back to matching pattern by pattern.
//
// Thread-safety: immutable after LoadDetector() returns; Assess() and
// Explain() are const and safe to call from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/crisis/assessment.h"
#include "dialogue/result.h"

namespace screener::crisis {

// Knobs with documented defaults; tests use them to force the fallback path.
struct DetectorOptions {
  // Memory budget for each language's RE2::Set (compiled program plus DFA
  // cache). 0 keeps RE2's default (8 MiB). A budget too small to compile the
  // set is not an error: that language then matches pattern by pattern.
  int64_t set_max_mem = 0;
  // Test hook: treat every RE2::Set::Match as an engine failure.
  bool simulate_set_failure = false;
};

// Why one hit ended where it did; for `screener detect --explain`, tests and
// check-safety reports.
struct Hit {
  std::string pattern_id;  // "en.suicide.want_to_die"
  std::string category;    // "suicide"
  std::string language;    // "en"
  Level level = Level::kNone;  // after the context rules; kNone only for idioms
  std::string rule;        // "" or the rule that changed it: "idiom:<id>", "negation", ...
  bool about_someone_else = false;
  size_t begin = 0;        // byte span in the normalised text
  size_t end = 0;
};

struct Explanation {
  std::string normalized;  // the first normalised variant
  std::vector<Hit> hits;
  bool used_fallback = false;  // an RE2::Set failed and patterns ran one by one
  Assessment assessment;
};

class PatternDetector;

// Loads pattern and idiom files (each declares its "kind" and "language").
// Every problem is reported as "file: /json/pointer: reason"; at least one
// pattern file is required.
Result<std::shared_ptr<const Detector>> LoadDetector(const std::vector<std::string>& pattern_files);
Result<std::shared_ptr<const PatternDetector>> LoadPatternDetector(
    const std::vector<std::string>& pattern_files, const DetectorOptions& options = {});

// The pattern and idiom files in a directory: patterns-*.json and
// idioms-*.json, sorted. With a language ("en"), only that language's files.
// Empty if the directory does not exist.
std::vector<std::string> DefaultPatternFiles(const std::string& crisis_dir,
                                             std::string_view language = "");

// The detector that LoadDetector builds. Exposed for Explain() and languages().
class PatternDetector final : public Detector {
 public:
  struct Compiled;  // defined in detector.cc

  explicit PatternDetector(std::unique_ptr<const Compiled> compiled);
  ~PatternDetector() override;

  Assessment Assess(std::string_view message) const override;
  Explanation Explain(std::string_view message) const;

  std::vector<std::string> languages() const;
  size_t pattern_count() const;

 private:
  std::unique_ptr<const Compiled> compiled_;
};

}  // namespace screener::crisis
