// libFuzzer: the crisis detector's normaliser and matcher on any bytes,
// invalid UTF-8 and huge inputs included. Never crashes; an assessment is
// always one of the three levels.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dialogue/crisis/detector.h"

namespace {

const screener::crisis::PatternDetector& Detector() {
  // Built once for the whole run (fuzzing is a test process, not the product).
  static const auto detector = [] {
    auto d = screener::crisis::LoadPatternDetector(
        screener::crisis::DefaultPatternFiles(SCREENER_SOURCE_DIR "/scripts/crisis"));
    if (!d) std::abort();
    return *d;
  }();
  return *detector;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  screener::crisis::Explanation e = Detector().Explain(text);
  if (static_cast<int>(e.assessment.level) < 0 || static_cast<int>(e.assessment.level) > 2) std::abort();
  if (e.assessment.level != screener::crisis::Level::kNone && e.assessment.categories.empty()) std::abort();
  return 0;
}
