// Conversation: one person's run through a script. The engine.
//
// Pure: no I/O, no clock, no threads, no randomness; the same messages give
// the same turns. Every message first goes through the crisis detector; a
// hit pre-empts the script (docs/scripts.md, "Crisis policy"). The whole
// state saves to JSON and restores, so a conversation survives a reconnect or
// a server restart exactly where it was. Not thread-safe: one owner at a
// time (a server session's strand).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/json_writer.h"
#include "dialogue/library.h"
#include "dialogue/result.h"
#include "dialogue/turn.h"

namespace screener {

struct ConversationOptions {
  std::string region;  // "US", "GB", ...; picks crisis resources; empty: the default list
};

class Conversation {
 public:
  Conversation(std::shared_ptr<const LoadedScript> script, ConversationOptions options);

  // The opening turn. Calling it again restarts.
  // Start() and Reply() return last_turn(): valid until the next call, and
  // not a copy (the server sends one for every message).
  const Turn& Start();
  // The answer to one message from the person.
  const Turn& Reply(std::string_view text);

  const Turn& last_turn() const { return last_turn_; }
  bool ended() const { return mode_ == Mode::kEnded; }
  bool crisis_active() const { return crisis_active_; }
  const std::string& state() const { return state_; }
  const LoadedScript& script() const { return *script_; }
  const ConversationOptions& options() const { return options_; }

  // Everything needed to go on later: position, answers' effects (scores,
  // variables, the undo history), crisis status and the last turn. Not the
  // person's messages.
  nlohmann::json Save() const;
  // Save() as JSON text, written into `j` without building a tree: the
  // server saves thousands of conversations a round. Parses to Save().
  void WriteSaved(JsonWriter& j) const;
  static Result<Conversation> Restore(std::shared_ptr<const LoadedScript> script, const nlohmann::json& saved);

 private:
  enum class Mode {
    kAsking,    // waiting for the answer to the ask state `state_`
    kChecking,  // waiting for the answer to the safety check question
    kHolding,   // paused after a crisis reply; resumes at `resume_to_`
    kEnded,
  };
  // One answered question, so `back` can undo it.
  struct Answered {
    std::string state;
    std::string option;  // empty for text answers and fallbacks
    int score_added = 0;
    std::string previous_var;  // the variable's value before the answer
  };

  Turn Handle(std::string_view text);
  Turn HandleCommand(Command command);
  Turn HandleAnswer(std::string_view folded);  // the reply, folded for matching
  Turn HandleCheckAnswer(std::string_view text);
  Turn HandleHold(std::string_view folded);
  Turn FallBack(const State& asked);

  // Runs say/result states from `state_id` until an ask or end state,
  // appending to `turn`.
  void Enter(const std::string& state_id, Turn& turn);
  void AskAgain(Turn& turn, bool with_messages);
  std::string Follow(const Transition& transition) const;
  bool Holds(const Condition& condition) const;

  Turn CrisisTurn(std::vector<std::string> categories, bool about_someone_else, const std::string& resume_to,
                  CrisisNotice::Source source = CrisisNotice::Source::kMessage);
  Turn SafetyCheckTurn(std::vector<std::string> categories, bool about_someone_else);
  void AddQuestionParts(const State& state, Turn& turn) const;
  const Turn& Finish(Turn turn);
  void Reset();

  std::shared_ptr<const LoadedScript> script_;
  ConversationOptions options_;
  Mode mode_ = Mode::kAsking;
  bool started_ = false;
  std::string state_;      // the current ask (or end) state
  std::string resume_to_;  // where holding or checking goes back to
  Mode checked_from_ = Mode::kAsking;  // the mode a safety check interrupted
  int unclear_ = 0;        // unclear replies in a row at state_
  std::map<std::string, int> scores_;
  std::map<std::string, std::string> vars_;
  std::vector<Answered> history_;
  bool crisis_active_ = false;
  std::vector<std::string> check_categories_;  // what the pending safety check is about
  bool check_about_someone_else_ = false;
  Turn last_turn_;
};

}  // namespace screener
