// Reading crisis pattern and idiom files (scripts/crisis/*.json).
//
// A pattern file holds one language's crisis patterns, its named regex
// fragments ("define") and the cue lists the context rules use; an idiom file
// holds one language's figurative phrases that cancel a hit they cover. The
// formats are described in docs/crisis-detection.md. Parsing checks
// everything that can be checked without the normaliser: JSON shape, unknown
// fields, categories, tiers, kinds, duplicate ids, macro names, and that every
// regex compiles in RE2. Each problem carries its JSON pointer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dialogue/crisis/assessment.h"
#include "dialogue/result.h"

namespace screener::crisis {

// How a pattern's hits are weighed (see docs/crisis-detection.md).
enum class PatternKind {
  kStatement,  // says it outright: "i want to die", "he hits me"
  kMeans,      // means or method: "how many tylenol", "800mg", rope, bridge
  kGoodbye,    // farewell signals: "this is goodbye", giving things away
  kDistress,   // despair without a stated wish: "i can't take it anymore"
};

struct PatternSpec {
  std::string id;
  std::string category;  // one of the k* category names in assessment.h
  Level tier = Level::kCrisis;  // kCrisis or kAsk
  PatternKind kind = PatternKind::kStatement;
  std::string regex;     // with {macros} expanded
  std::vector<std::string> examples;  // must match after normalisation
  std::string pointer;   // "/patterns/3", for messages
};

struct IdiomSpec {
  std::string id;
  std::string regex;
  std::vector<std::string> examples;
  std::string pointer;
};

// Cue regex fragments for the context rules, each matched as a whole word.
struct ContextCues {
  std::vector<std::string> negation;
  std::vector<std::string> negation_cancelled_by;  // "not ok": the next word
  std::vector<std::string> hypothetical;
  std::vector<std::string> past;
  std::vector<std::string> media;                 // "the song", "lyrics"
  std::vector<std::string> someone_else;          // "my friend", "she"
  std::vector<std::string> self;                  // "i", "me"
  std::vector<std::string> someone_else_in_span;  // "himself", "suicidarse"
  std::vector<std::string> self_in_span;          // "myself", "matarme"
  std::vector<std::string> clause_breaks;         // "but", "pero"
};

struct PatternFile {
  std::string file;
  std::string kind;      // "patterns" or "idioms"
  std::string language;  // "en", "es"
  std::vector<PatternSpec> patterns;
  std::vector<IdiomSpec> idioms;
  ContextCues cues;
};

Result<PatternFile> ParsePatternFile(std::string_view json_text, const std::string& file_name);
Result<PatternFile> ReadPatternFile(const std::string& path);

std::string_view PatternKindName(PatternKind kind);

}  // namespace screener::crisis
