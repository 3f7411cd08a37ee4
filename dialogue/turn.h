// A Turn is everything the bot says in answer to one message: plain data
// that the CLI prints, the server sends as a "bot" frame, and golden
// transcripts compare.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/crisis/resources.h"
#include "dialogue/json_writer.h"
#include "dialogue/result.h"

namespace screener {

struct QuickReply {
  std::string label;  // the button text; sending it back selects the option
  std::string key;    // the short answer the CLI shows ("y", "2"); may be empty
};

struct Progress {
  int step = 0;
  int of = 0;
};

// Set on a turn that answers crisis language or an escalating answer.
struct CrisisNotice {
  std::vector<std::string> categories;
  std::string text;                 // the escalation text shown
  bool about_someone_else = false;  // resources framed for helping another person
  // What set it off: the crisis detector on the person's message, or an
  // answer the script escalates on (PHQ-9 item 9 above "not at all").
  enum class Source { kMessage, kAnswer } source = Source::kMessage;
};

// What the turn is doing, for clients that style turns differently.
enum class TurnKind {
  kQuestion,     // asks a script question (or shows say/result messages and then one)
  kReprompt,     // the reply was unclear; asks again
  kSafetyCheck,  // asks directly whether the person is thinking of ending their life
  kCrisis,       // the crisis reply: escalation text and resources
  kHold,         // the questions are paused after a crisis reply
  kInfo,         // help, resources, back with nothing to go back to
  kEnd,          // the conversation has ended (or was already over)
};

struct Turn {
  TurnKind kind = TurnKind::kQuestion;
  std::vector<std::string> messages;
  std::vector<QuickReply> quick_replies;
  std::optional<Progress> progress;
  std::optional<CrisisNotice> crisis;
  std::vector<crisis::Resource> resources;  // shown with this turn
  bool crisis_active = false;               // a crisis reply was shown earlier: keep help visible
  std::string state;                        // the script state the conversation is in
  bool ended = false;
};

std::string_view TurnKindName(TurnKind kind);

// The JSON form used by the server's "bot" frame and saved conversations.
nlohmann::json TurnToJson(const Turn& turn);
nlohmann::json ResourceToJson(const crisis::Resource& resource);
// The members of TurnToJson(turn), written into an object `j` has open: the
// same JSON, without building a tree (it is written for every message).
void WriteTurnFields(JsonWriter& j, const Turn& turn);
Result<Turn> TurnFromJson(const nlohmann::json& j);

}  // namespace screener
