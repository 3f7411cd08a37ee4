#include "dialogue/crisis/assessment.h"

namespace screener::crisis {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kNone: return "none";
    case Level::kAsk: return "ask";
    case Level::kCrisis: return "crisis";
  }
  return "none";
}

}  // namespace screener::crisis
