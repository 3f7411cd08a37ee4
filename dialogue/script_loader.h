// Loads a dialogue script from JSON and validates it (docs/scripts.md).
//
// Every problem is reported as "file: /json/pointer: reason", all of them
// at once. A script that loads is safe for the engine to run: transitions
// resolve, rule lists end unconditionally, score bands cover every score
// reachable at their state, and no loop of say/result states can spin.
#pragma once

#include <string>
#include <string_view>

#include "dialogue/result.h"
#include "dialogue/script.h"

namespace screener {

Result<Script> LoadScript(const std::string& path);
Result<Script> ParseScript(std::string_view json_text, const std::string& file);

// The checks that look at the script as a graph; ParseScript runs them.
// Exposed for tests.
void CheckScriptGraph(const Script& script, Problems* problems);

// The lowest and highest value of `score` that can have been reached on
// arriving at `state_id`, over every path from the start.
struct ScoreRange {
  int min = 0;
  int max = 0;
};
ScoreRange ReachableScoreRange(const Script& script, const std::string& state_id, const std::string& score);

}  // namespace screener
