// The in-memory model of a dialogue script (see docs/scripts.md).
//
// Plain data produced by the loader (script_loader.h) after validation, so
// the engine can trust it: every transition target exists, every rule list
// ends in an unconditional rule, every option id is unique. Immutable once
// loaded and shared by all conversations on the script.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace screener {

enum class StateKind { kSay, kAsk, kResult, kEnd };
enum class AnswerType { kYesNo, kFrequency, kChoice, kText };
enum class CrisisAfter { kHold, kEnd };

struct Condition {
  // Exactly one of score / var is set.
  std::string score;
  std::optional<int> at_least;
  std::optional<int> at_most;
  std::string var;
  std::optional<std::string> is;
  std::optional<std::string> is_not;
};

struct Rule {
  std::optional<Condition> condition;  // absent: always taken
  std::string target;                  // a state id
};

// A transition is a list of rules tried in order; the last is unconditional.
// A plain "next": "q2" loads as one unconditional rule.
using Transition = std::vector<Rule>;

struct Option {
  std::string id;
  std::string label;                  // the quick-reply button
  std::vector<std::string> synonyms;  // extra words, as written
  int value = 0;
  std::string key;                    // short answer shown in the CLI: "y", "2"
};

struct Answer {
  AnswerType type = AnswerType::kYesNo;
  std::vector<Option> options;  // filled with built-ins for yes_no / frequency
};

struct Escalation {
  std::vector<std::string> on;  // option ids
  bool on_unclear = false;      // also when replies stay unclear (or are skipped) up to the fallback
  std::string category;
};

struct Band {
  int min = 0;
  int max = 0;
  std::string label;
  std::vector<std::string> messages;
};

struct State {
  std::string id;
  StateKind kind = StateKind::kSay;
  std::vector<std::string> messages;
  std::string pointer;  // "/states/q1", for lint and graph messages

  // ask
  Answer answer;
  int step = 0;  // 0: not counted for progress
  std::string score;
  std::string var;
  std::map<std::string, Transition> on;  // option id -> transition
  std::optional<Transition> next;        // also used by say and result
  std::string reprompt;
  int max_unclear = 3;
  bool max_unclear_given = false;
  std::optional<Transition> fallback;
  std::optional<Escalation> escalate;

  // result (score and var above are shared)
  std::vector<Band> bands;
};

struct Instrument {
  std::string name;
  std::string source;
  std::string licence;
  bool validated = false;
};

struct CrisisPolicy {
  std::vector<std::string> pattern_files;  // resolved against the script's folder
  std::string resources_file;
  std::string escalation;
  std::string escalation_other;
  std::string check;
  std::string check_no;
  CrisisAfter after = CrisisAfter::kHold;
  std::string hold;
  std::string resumed;
};

// A variable every script can test: "yes" once a crisis reply has been
// shown in the conversation, else "no". Scripts may not set it.
inline constexpr const char* kCrisisVar = "crisis";

enum class Command { kHelp, kRestart, kBack, kStop, kResources, kSkip };

struct Script {
  std::string file;  // where it was loaded from
  std::string id;
  std::string title;
  std::string version;
  std::string locale;
  std::string disclosure;
  std::string disclaimer;
  std::optional<Instrument> instrument;
  std::string start;
  CrisisPolicy crisis;
  std::map<Command, std::vector<std::string>> command_words;  // built-ins + the script's own
  std::map<std::string, std::string> texts;                   // engine sentences, defaults filled in
  std::map<std::string, State> states;
  std::vector<std::string> state_order;  // ids as written, for lint and graph output
  int steps = 0;                         // number of progress steps (max step)

  const State* Find(const std::string& state_id) const {
    auto it = states.find(state_id);
    return it == states.end() ? nullptr : &it->second;
  }
  const std::string& Text(const std::string& key) const { return texts.at(key); }
};

}  // namespace screener
