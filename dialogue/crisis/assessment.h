// What the crisis detector concludes about one user message.
//
// The engine runs a Detector on every message before the script sees it.
// Three outcomes: none; ask (an ambiguous hit: negated, hypothetical, past, or
// a question about means without stated intent; the bot asks directly whether
// the person is thinking of ending their life); crisis (clear risk: show
// resources now). Plain data, cheap to copy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace screener::crisis {

enum class Level { kNone = 0, kAsk = 1, kCrisis = 2 };

// "none", "ask", "crisis": the words `screener detect` prints.
std::string_view LevelName(Level level);

// Category names used in pattern files, metrics and escalation events.
inline constexpr std::string_view kSuicide = "suicide";
inline constexpr std::string_view kSelfHarm = "self_harm";
inline constexpr std::string_view kHarmToOthers = "harm_to_others";
inline constexpr std::string_view kDanger = "danger";  // immediate danger or abuse

struct Assessment {
  Level level = Level::kNone;
  std::vector<std::string> categories;  // sorted, unique; empty when kNone
  bool about_someone_else = false;      // "my friend says she wants to die"

  bool is_crisis() const { return level == Level::kCrisis; }
  bool is_ask() const { return level == Level::kAsk; }
};

// The engine's view of a detector. Implementations are immutable once built
// and safe to share between threads and conversations.
class Detector {
 public:
  virtual ~Detector() = default;
  virtual Assessment Assess(std::string_view message) const = 0;
};

}  // namespace screener::crisis
