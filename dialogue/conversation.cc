#include "dialogue/conversation.h"

#include <algorithm>
#include <set>

#include "dialogue/builtins.h"
#include "dialogue/text.h"

namespace screener {
namespace {

using nlohmann::json;

std::string Substitute(std::string message, int score) {
  const std::string placeholder = "{score}";
  for (size_t at = message.find(placeholder); at != std::string::npos; at = message.find(placeholder, at)) {
    std::string value = std::to_string(score);
    message.replace(at, placeholder.size(), value);
    at += value.size();
  }
  return message;
}

std::vector<std::string> Merge(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

bool Contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

Conversation::Conversation(std::shared_ptr<const LoadedScript> script, ConversationOptions options)
    : script_(std::move(script)), options_(std::move(options)) {}

void Conversation::Reset() {
  // A crisis stays in effect across a restart: help stays visible.
  mode_ = Mode::kAsking;
  state_.clear();
  resume_to_.clear();
  unclear_ = 0;
  scores_.clear();
  vars_.clear();
  history_.clear();
  check_categories_.clear();
  check_about_someone_else_ = false;
}

const Turn& Conversation::Start() {
  Reset();
  started_ = true;
  Turn turn;
  Enter(script_->script.start, turn);
  return Finish(std::move(turn));
}

const Turn& Conversation::Reply(std::string_view text) {
  if (!started_) {
    // A message before the opening turn still gets a full answer (and a
    // crisis check); the opening comes first.
    Turn opening = Start();
    Turn turn = Handle(text);
    turn.messages.insert(turn.messages.begin(), opening.messages.begin(), opening.messages.end());
    return Finish(std::move(turn));
  }
  return Finish(Handle(text));
}

const Turn& Conversation::Finish(Turn turn) {
  turn.crisis_active = crisis_active_;
  turn.state = state_;
  turn.ended = mode_ == Mode::kEnded;
  if (turn.ended && turn.kind == TurnKind::kQuestion) turn.kind = TurnKind::kEnd;
  last_turn_ = std::move(turn);
  return last_turn_;
}

Turn Conversation::Handle(std::string_view text) {
  // The crisis check comes before everything else, in every mode.
  if (script_->detector) {
    crisis::Assessment found = script_->detector->Assess(text);
    if (found.is_crisis() || (found.is_ask() && mode_ == Mode::kChecking)) {
      std::vector<std::string> categories = Merge(found.categories, mode_ == Mode::kChecking ? check_categories_
                                                                                                : std::vector<std::string>{});
      std::string resume = mode_ == Mode::kAsking ? state_ : resume_to_;
      if (mode_ == Mode::kChecking && checked_from_ == Mode::kEnded) resume.clear();
      if (mode_ == Mode::kEnded) resume.clear();
      return CrisisTurn(std::move(categories), found.about_someone_else, resume);
    }
    if (found.is_ask()) return SafetyCheckTurn(found.categories, found.about_someone_else);
  }
  if (mode_ == Mode::kChecking) return HandleCheckAnswer(text);

  std::string folded = FoldForMatching(text);
  if (auto it = script_->command_words.find(folded); it != script_->command_words.end()) {
    return HandleCommand(it->second);
  }
  switch (mode_) {
    case Mode::kEnded: {
      Turn turn;
      turn.kind = TurnKind::kEnd;
      turn.messages.push_back(script_->script.Text("ended"));
      return turn;
    }
    case Mode::kHolding:
      return HandleHold(folded);
    default:
      return HandleAnswer(folded);
  }
}

Turn Conversation::SafetyCheckTurn(std::vector<std::string> categories, bool about_someone_else) {
  if (mode_ != Mode::kChecking) {
    checked_from_ = mode_;
    if (mode_ == Mode::kAsking) resume_to_ = state_;
  }
  mode_ = Mode::kChecking;
  check_categories_ = std::move(categories);
  check_about_someone_else_ = about_someone_else;
  Turn turn;
  turn.kind = TurnKind::kSafetyCheck;
  turn.messages.push_back(script_->script.crisis.check);
  for (const Option& o : BuiltinOptions(AnswerType::kYesNo, script_->script.locale)) {
    turn.quick_replies.push_back({o.label, o.key});
  }
  return turn;
}

Turn Conversation::HandleCheckAnswer(std::string_view text) {
  std::optional<size_t> answer = script_->yes_no.Match(text);
  bool said_no = answer && *answer == 1;  // built-in yes/no: 0 yes, 1 no
  if (!said_no) {
    // A "yes" or anything unclear gets the crisis reply: better an
    // unneeded list of helplines than a missed crisis.
    std::string resume = checked_from_ == Mode::kEnded ? std::string() : resume_to_;
    return CrisisTurn(check_categories_, check_about_someone_else_, resume);
  }
  Turn turn;
  turn.messages.push_back(script_->script.crisis.check_no);
  check_categories_.clear();
  mode_ = checked_from_;
  switch (mode_) {
    case Mode::kAsking:
      state_ = resume_to_;
      AskAgain(turn, /*with_messages=*/true);
      break;
    case Mode::kHolding:
      turn.kind = TurnKind::kHold;
      turn.messages.push_back(script_->script.crisis.hold);
      turn.quick_replies.push_back({script_->script.Text("continue_button"), ""});
      break;
    default:
      turn.kind = TurnKind::kEnd;
      break;
  }
  return turn;
}

Turn Conversation::CrisisTurn(std::vector<std::string> categories, bool about_someone_else,
                              const std::string& resume_to, CrisisNotice::Source source) {
  const CrisisPolicy& policy = script_->script.crisis;
  crisis_active_ = true;
  Turn turn;
  turn.kind = TurnKind::kCrisis;
  const std::string& text = about_someone_else ? policy.escalation_other : policy.escalation;
  turn.messages.push_back(text);
  turn.crisis = CrisisNotice{std::move(categories), text, about_someone_else, source};
  turn.resources = script_->resources->For(options_.region);
  check_categories_.clear();
  if (policy.after == CrisisAfter::kEnd || resume_to.empty()) {
    mode_ = Mode::kEnded;
    return turn;
  }
  mode_ = Mode::kHolding;
  resume_to_ = resume_to;
  turn.messages.push_back(policy.hold);
  turn.quick_replies.push_back({script_->script.Text("continue_button"), ""});
  return turn;
}

Turn Conversation::HandleHold(std::string_view folded) {
  Turn turn;
  if (Contains(script_->continue_words, folded)) {
    turn.messages.push_back(script_->script.crisis.resumed);
    Enter(resume_to_, turn);
    return turn;
  }
  turn.kind = TurnKind::kHold;
  turn.messages.push_back(script_->script.Text("hold_again"));
  turn.resources = script_->resources->For(options_.region);
  turn.quick_replies.push_back({script_->script.Text("continue_button"), ""});
  return turn;
}

Turn Conversation::HandleCommand(Command command) {
  const Script& script = script_->script;
  Turn turn;
  turn.kind = TurnKind::kInfo;
  switch (command) {
    case Command::kHelp:
      turn.messages.push_back(script.Text("help"));
      break;
    case Command::kResources:
      turn.messages.push_back(script.Text("resources"));
      turn.resources = script_->resources->For(options_.region);
      break;
    case Command::kRestart:
      Reset();
      turn.kind = TurnKind::kQuestion;
      turn.messages.push_back(script.Text("restarted"));
      Enter(script.start, turn);
      return turn;
    case Command::kStop:
      mode_ = Mode::kEnded;
      turn.kind = TurnKind::kEnd;
      turn.messages.push_back(script.Text("stopped"));
      turn.messages.push_back(script.disclaimer);
      turn.messages.push_back(script.Text("resources"));
      turn.resources = script_->resources->For(options_.region);
      return turn;
    case Command::kSkip:
      if (mode_ == Mode::kAsking) {
        const State& asked = script.states.at(state_);
        if (asked.fallback) return FallBack(asked);
        turn.kind = TurnKind::kReprompt;
        turn.messages.push_back(asked.reprompt.empty() ? script.Text("unclear") : asked.reprompt);
        AskAgain(turn, /*with_messages=*/false);
        return turn;
      }
      turn.messages.push_back(script.Text(mode_ == Mode::kEnded ? "ended" : "hold_again"));
      break;
    case Command::kBack: {
      if (history_.empty()) {
        turn.messages.push_back(script.Text("back_none"));
        break;
      }
      Answered last = history_.back();
      history_.pop_back();
      const State& asked = script.states.at(last.state);
      if (!asked.score.empty()) scores_[asked.score] -= last.score_added;
      if (!asked.var.empty()) vars_[asked.var] = last.previous_var;
      turn.kind = TurnKind::kQuestion;
      Enter(last.state, turn);
      return turn;
    }
  }
  // Help, resources, and back with nowhere to go: then pick up where we were.
  switch (mode_) {
    case Mode::kAsking:
      AskAgain(turn, /*with_messages=*/command == Command::kHelp || command == Command::kBack);
      break;
    case Mode::kHolding:
      turn.quick_replies.push_back({script.Text("continue_button"), ""});
      break;
    default:
      break;
  }
  return turn;
}

Turn Conversation::HandleAnswer(std::string_view folded) {
  const Script& script = script_->script;
  const State& asked = script.states.at(state_);
  Turn turn;
  // An empty message is a slip of the thumb, not an unclear answer: it does
  // not count towards the fallback.
  if (folded.empty()) {
    turn.kind = TurnKind::kReprompt;
    turn.messages.push_back(script.Text("empty"));
    AskAgain(turn, /*with_messages=*/false);
    return turn;
  }
  const Option* chosen = nullptr;
  bool understood = asked.answer.type == AnswerType::kText;
  if (asked.answer.type != AnswerType::kText) {
    if (auto index = script_->matchers.at(state_).MatchFolded(folded)) {
      chosen = &asked.answer.options[*index];
      understood = true;
    }
  }
  if (!understood) {
    ++unclear_;
    if (unclear_ >= asked.max_unclear && asked.fallback) return FallBack(asked);
    turn.kind = TurnKind::kReprompt;
    if (!asked.reprompt.empty()) {
      turn.messages.push_back(asked.reprompt);
    } else {
      std::string options;
      for (const Option& o : asked.answer.options) options += (options.empty() ? " " : ", ") + o.label;
      turn.messages.push_back(script.Text("unclear") + " " + script.Text("options") + options + ".");
    }
    AskAgain(turn, /*with_messages=*/false);
    return turn;
  }

  Answered answered{state_, chosen ? chosen->id : "", 0, asked.var.empty() ? "" : vars_[asked.var]};
  if (chosen && !asked.score.empty()) {
    answered.score_added = chosen->value;
    scores_[asked.score] += chosen->value;
  }
  if (!asked.var.empty()) vars_[asked.var] = chosen ? chosen->id : "answered";
  history_.push_back(answered);

  std::string target;
  if (chosen && asked.on.count(chosen->id)) {
    target = Follow(asked.on.at(chosen->id));
  } else {
    target = Follow(*asked.next);
  }
  if (chosen && asked.escalate && Contains(asked.escalate->on, chosen->id)) {
    return CrisisTurn({asked.escalate->category}, false, target, CrisisNotice::Source::kAnswer);
  }
  Enter(target, turn);
  return turn;
}

Turn Conversation::FallBack(const State& asked) {
  // Recorded like an answer, so `back` returns to the question.
  history_.push_back(Answered{state_, "", 0, asked.var.empty() ? "" : vars_[asked.var]});
  std::string target = Follow(*asked.fallback);
  if (asked.escalate && asked.escalate->on_unclear) {
    return CrisisTurn({asked.escalate->category}, false, target, CrisisNotice::Source::kAnswer);
  }
  Turn turn;
  Enter(target, turn);
  return turn;
}

void Conversation::AskAgain(Turn& turn, bool with_messages) {
  const State* asked = script_->script.Find(state_);
  if (!asked || asked->kind != StateKind::kAsk) return;
  if (with_messages) turn.messages.insert(turn.messages.end(), asked->messages.begin(), asked->messages.end());
  AddQuestionParts(*asked, turn);
}

void Conversation::AddQuestionParts(const State& state, Turn& turn) const {
  turn.quick_replies.reserve(turn.quick_replies.size() + state.answer.options.size());
  for (const Option& o : state.answer.options) turn.quick_replies.push_back({o.label, o.key});
  if (state.step > 0) turn.progress = Progress{state.step, script_->script.steps};
}

void Conversation::Enter(const std::string& state_id, Turn& turn) {
  const Script& script = script_->script;
  // A turn usually has a message or two before the question: one
  // allocation instead of three as they are appended.
  turn.messages.reserve(turn.messages.size() + 4);
  std::string id = state_id;
  // The loader rejects loops of say/result states; the bound is a second line.
  for (size_t hops = 0; hops <= script.states.size(); ++hops) {
    const State& state = script.states.at(id);
    switch (state.kind) {
      case StateKind::kSay:
        turn.messages.insert(turn.messages.end(), state.messages.begin(), state.messages.end());
        id = Follow(*state.next);
        continue;
      case StateKind::kResult: {
        int score = scores_[state.score];
        for (const Band& band : state.bands) {
          if (score < band.min || score > band.max) continue;
          for (const std::string& m : band.messages) turn.messages.push_back(Substitute(m, score));
          if (!state.var.empty()) vars_[state.var] = band.label;
          break;
        }
        for (const std::string& m : state.messages) turn.messages.push_back(Substitute(m, score));
        id = Follow(*state.next);
        continue;
      }
      case StateKind::kAsk:
        mode_ = Mode::kAsking;
        state_ = id;
        unclear_ = 0;
        turn.messages.insert(turn.messages.end(), state.messages.begin(), state.messages.end());
        AddQuestionParts(state, turn);
        return;
      case StateKind::kEnd:
        mode_ = Mode::kEnded;
        state_ = id;
        turn.kind = TurnKind::kEnd;
        turn.messages.insert(turn.messages.end(), state.messages.begin(), state.messages.end());
        return;
    }
  }
  mode_ = Mode::kEnded;
}

std::string Conversation::Follow(const Transition& transition) const {
  for (const Rule& rule : transition) {
    if (!rule.condition || Holds(*rule.condition)) return rule.target;
  }
  return transition.back().target;  // unreachable: the loader requires a last unconditional rule
}

bool Conversation::Holds(const Condition& c) const {
  if (!c.score.empty()) {
    auto it = scores_.find(c.score);
    int value = it == scores_.end() ? 0 : it->second;
    return (!c.at_least || value >= *c.at_least) && (!c.at_most || value <= *c.at_most);
  }
  std::string value;
  if (c.var == kCrisisVar) {
    value = crisis_active_ ? "yes" : "no";  // built in: a crisis reply was shown
  } else if (auto it = vars_.find(c.var); it != vars_.end()) {
    value = it->second;
  }
  if (c.is) return value == *c.is;
  return value != *c.is_not;
}

// ---- Saving and restoring ----

namespace {

const char* ModeName(int mode) {
  static const char* const kNames[] = {"asking", "checking", "holding", "ended"};
  return kNames[mode];
}

}  // namespace

json Conversation::Save() const {
  json history = json::array();
  for (const Answered& a : history_) {
    history.push_back({{"state", a.state}, {"option", a.option}, {"score_added", a.score_added},
                       {"previous_var", a.previous_var}});
  }
  return json{
      {"format", 1},
      {"script", script_->script.id},
      {"script_version", script_->script.version},
      {"region", options_.region},
      {"started", started_},
      {"mode", ModeName(static_cast<int>(mode_))},
      {"checked_from", ModeName(static_cast<int>(checked_from_))},
      {"state", state_},
      {"resume_to", resume_to_},
      {"unclear", unclear_},
      {"scores", scores_},
      {"vars", vars_},
      {"history", std::move(history)},
      {"crisis_active", crisis_active_},
      {"check_categories", check_categories_},
      {"check_about_someone_else", check_about_someone_else_},
      {"last_turn", TurnToJson(last_turn_)},
  };
}

void Conversation::WriteSaved(JsonWriter& j) const {
  j.Open('{');
  j.Key("format").Int(1);
  j.Key("script").String(script_->script.id);
  j.Key("script_version").String(script_->script.version);
  j.Key("region").String(options_.region);
  j.Key("started").Bool(started_);
  j.Key("mode").String(ModeName(static_cast<int>(mode_)));
  j.Key("checked_from").String(ModeName(static_cast<int>(checked_from_)));
  j.Key("state").String(state_);
  j.Key("resume_to").String(resume_to_);
  j.Key("unclear").Int(unclear_);
  j.Key("scores").Open('{');
  for (const auto& [name, score] : scores_) j.Key(name).Int(score);
  j.Close('}');
  j.Key("vars").Open('{');
  for (const auto& [name, value] : vars_) j.Key(name).String(value);
  j.Close('}');
  j.Key("history").Open('[');
  for (const Answered& a : history_) {
    j.Open('{');
    j.Key("state").String(a.state).Key("option").String(a.option);
    j.Key("score_added").Int(a.score_added).Key("previous_var").String(a.previous_var);
    j.Close('}');
  }
  j.Close(']');
  j.Key("crisis_active").Bool(crisis_active_);
  j.Key("check_categories").Strings(check_categories_);
  j.Key("check_about_someone_else").Bool(check_about_someone_else_);
  j.Key("last_turn").Open('{');
  WriteTurnFields(j, last_turn_);
  j.Close('}');
  j.Close('}');
}

Result<Conversation> Conversation::Restore(std::shared_ptr<const LoadedScript> script, const json& saved) {
  auto mode_from = [](const std::string& name) -> std::optional<Mode> {
    for (int m = 0; m < 4; ++m) {
      if (name == ModeName(m)) return static_cast<Mode>(m);
    }
    return std::nullopt;
  };
  try {
    if (saved.at("format").get<int>() != 1) return Problem{"", "/format", "unsupported saved conversation format"};
    if (saved.at("script").get<std::string>() != script->script.id) {
      return Problem{"", "/script", "saved for script \"" + saved.at("script").get<std::string>() + "\", not \"" +
                                        script->script.id + "\""};
    }
    Conversation c(script, ConversationOptions{saved.at("region").get<std::string>()});
    c.started_ = saved.at("started").get<bool>();
    auto mode = mode_from(saved.at("mode").get<std::string>());
    auto checked_from = mode_from(saved.at("checked_from").get<std::string>());
    if (!mode || !checked_from) return Problem{"", "/mode", "unknown mode"};
    c.mode_ = *mode;
    c.checked_from_ = *checked_from;
    c.state_ = saved.at("state").get<std::string>();
    c.resume_to_ = saved.at("resume_to").get<std::string>();
    c.unclear_ = saved.at("unclear").get<int>();
    c.scores_ = saved.at("scores").get<std::map<std::string, int>>();
    c.vars_ = saved.at("vars").get<std::map<std::string, std::string>>();
    for (const json& a : saved.at("history")) {
      c.history_.push_back(Answered{a.at("state"), a.at("option"), a.at("score_added"), a.at("previous_var")});
    }
    c.crisis_active_ = saved.at("crisis_active").get<bool>();
    c.check_categories_ = saved.at("check_categories").get<std::vector<std::string>>();
    c.check_about_someone_else_ = saved.at("check_about_someone_else").get<bool>();
    Result<Turn> last = TurnFromJson(saved.at("last_turn"));
    if (!last) return Problem{"", "/last_turn", last.error()};
    c.last_turn_ = std::move(*last);

    // The script may have changed since the save: every state named must
    // still exist, with the kind the engine expects.
    const Script& s = script->script;
    auto is_kind = [&](const std::string& id, StateKind kind) {
      const State* st = s.Find(id);
      return st && st->kind == kind;
    };
    if (c.started_) {
      bool asking_state_ok = c.mode_ == Mode::kEnded ? (c.state_.empty() || s.Find(c.state_) != nullptr)
                                                     : is_kind(c.state_, StateKind::kAsk) || c.mode_ != Mode::kAsking;
      if (!asking_state_ok) return Problem{"", "/state", "no question \"" + c.state_ + "\" in this script"};
      if (!c.resume_to_.empty() && !s.Find(c.resume_to_)) {
        return Problem{"", "/resume_to", "no state \"" + c.resume_to_ + "\" in this script"};
      }
      if ((c.mode_ == Mode::kHolding) && c.resume_to_.empty()) {
        return Problem{"", "/resume_to", "a paused conversation needs a state to resume"};
      }
      for (const Answered& a : c.history_) {
        if (!is_kind(a.state, StateKind::kAsk)) return Problem{"", "/history", "no question \"" + a.state + "\""};
      }
    }
    return c;
  } catch (const json::exception& e) {
    return Problem{"", "", std::string("not a saved conversation: ") + e.what()};
  }
}

}  // namespace screener
