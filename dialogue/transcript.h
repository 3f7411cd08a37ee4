// Golden transcripts: a readable file of what a person types and what the
// bot must answer (format in docs/scripts.md, "Golden transcripts").
// `screener test` replays them; `--update` rewrites them from what the bot
// says now, for review with git diff.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/library.h"
#include "dialogue/result.h"
#include "dialogue/turn.h"

namespace screener {

struct ExpectedTurn {
  int line = 0;                     // where the turn starts in the file
  std::optional<std::string> user;  // absent for the opening turn
  std::vector<std::string> comments;
  // Message checks: "bot:" lines are exact and all-or-nothing; "says:" is contains.
  std::vector<std::string> bot;
  std::vector<std::string> says;
  std::optional<std::vector<std::string>> buttons;
  std::optional<std::string> progress;  // "2/4" or "none"
  std::optional<std::string> state;
  std::vector<std::string> crisis;  // empty: no crisis expected
  bool check = false;               // a safety-check question is expected
  std::optional<std::vector<std::string>> resources;
  bool ended = false;
};

struct Transcript {
  std::string file;
  std::vector<std::string> header_comments;
  std::string region = "US";
  std::vector<ExpectedTurn> turns;  // turns[0] is the opening turn
};

Result<Transcript> ParseTranscript(std::string_view text, const std::string& file);

// A turn as transcript lines (without the "> " line).
std::vector<std::string> RenderTurn(const Turn& turn);

struct TranscriptRun {
  bool passed = true;
  std::string report;      // what differs, as "file:line: ..." and -/+ lines
  std::string regenerated; // the file rewritten with the actual turns
};

// Replays the transcript on a fresh conversation. Stops at the first turn
// that differs (later turns would only repeat the difference).
TranscriptRun RunTranscript(std::shared_ptr<const LoadedScript> script, const Transcript& transcript);

}  // namespace screener
