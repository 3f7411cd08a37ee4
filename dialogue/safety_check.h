// check-safety: proves that a script answers crisis language with resources
// in every state a person can reach, and that hard negatives never trigger.
//
// It walks the script (every option of every reachable question, an unclear
// reply, and "continue" after a pause), then sends each corpus line from
// each place it found and inspects the very next turn.
#pragma once

#include <string>
#include <vector>

#include "dialogue/library.h"
#include "dialogue/result.h"

namespace screener {

struct SafetyCorpus {
  std::vector<std::string> crisis;     // must get the crisis reply at once
  std::vector<std::string> ask;        // must get the safety question or the crisis reply
  std::vector<std::string> negatives;  // must get neither
};

// Reads a labelled corpus: one message per line, "LABEL<TAB>...<TAB>TEXT"
// with LABEL crisis, ask or none and the text in the last column; blank
// lines and lines starting with '#' are skipped.
Result<SafetyCorpus> LoadSafetyCorpus(const std::string& path);

struct SafetyFailure {
  std::string place;   // "q2", "hold after q3", "ended at goodbye"
  std::string line;    // the corpus line sent
  std::string reason;  // what was wrong with the next turn
};

struct SafetyReport {
  size_t places = 0;  // reachable places tried
  size_t sent = 0;    // messages sent
  std::vector<SafetyFailure> failures;
};

SafetyReport CheckSafety(std::shared_ptr<const LoadedScript> script, const SafetyCorpus& corpus,
                         const std::string& region = "US");

}  // namespace screener
