#include "dialogue/lint.h"

#include <functional>
#include <set>

#include "dialogue/text.h"

namespace screener {
namespace {

bool Mentions(const std::string& folded_text, const std::string& phrase) {
  std::string p = FoldForMatching(phrase);
  return !p.empty() && (" " + folded_text + " ").find(" " + p + " ") != std::string::npos;
}

// Predecessors of each state, following every transition.
std::map<std::string, std::vector<std::string>> Predecessors(const Script& script) {
  std::map<std::string, std::vector<std::string>> into;
  auto add = [&](const std::string& from, const std::optional<Transition>& t) {
    if (!t) return;
    for (const Rule& r : *t) into[r.target].push_back(from);
  };
  for (const auto& [id, s] : script.states) {
    add(id, s.next);
    add(id, s.fallback);
    for (const auto& [option, t] : s.on) add(id, t);
  }
  return into;
}

// Every ending, with the say/result states that lead into it (walking back
// until a question), must show the disclaimer and say how to reach help.
void CheckEndings(const Script& script, Problems* problems) {
  auto into = Predecessors(script);
  std::string disclaimer = FoldForMatching(script.disclaimer);
  std::vector<std::string> resource_words = script.command_words.at(Command::kResources);
  const std::vector<std::string> kNotDiagnosis = {"not a diagnosis", "no es un diagnostico"};

  for (const std::string& id : script.state_order) {
    const State& end = script.states.at(id);
    if (end.kind != StateKind::kEnd) continue;
    // Depth-first over lead-in chains; each chain is the text a person reads
    // on the way out. The loader has ruled out loops of say/result states.
    std::function<void(const std::string&, std::string)> walk = [&](const std::string& at, std::string text) {
      const State& s = script.states.at(at);
      for (const auto& m : s.messages) text += " " + FoldForMatching(m);
      for (const auto& b : s.bands) {
        for (const auto& m : b.messages) text += " " + FoldForMatching(m);
      }
      std::vector<std::string> lead_ins;
      for (const std::string& p : into[at]) {
        StateKind k = script.states.at(p).kind;
        if (k == StateKind::kSay || k == StateKind::kResult) lead_ins.push_back(p);
      }
      if (!lead_ins.empty()) {
        for (const std::string& p : lead_ins) walk(p, text);
        return;
      }
      bool shows_disclaimer = (!disclaimer.empty() && text.find(disclaimer) != std::string::npos);
      for (const auto& phrase : kNotDiagnosis) shows_disclaimer = shows_disclaimer || Mentions(text, phrase);
      bool shows_resources = false;
      for (const auto& w : resource_words) shows_resources = shows_resources || Mentions(text, w);
      std::string path = at == id ? "" : " (reached through \"" + at + "\")";
      if (!shows_disclaimer) {
        problems->push_back({script.file, end.pointer, "this ending" + path + " does not say it is not a diagnosis"});
      }
      if (!shows_resources) {
        problems->push_back({script.file, end.pointer,
                             "this ending" + path + " does not tell the person how to reach help (mention \"" +
                                 resource_words.front() + "\")"});
      }
    };
    walk(id, "");
  }
}

}  // namespace

Problems LintScript(const Script& script) {
  Problems problems;
  if (script.disclosure.empty()) {
    problems.push_back({script.file, "/disclosure", "say plainly that this is an automated assistant, not a person"});
  }
  std::set<std::string> scores_added, vars_set = {kCrisisVar};
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    if (s.kind == StateKind::kAsk) {
      if (!s.score.empty()) scores_added.insert(s.score);
      if (!s.var.empty()) vars_set.insert(s.var);
      if (s.reprompt.empty()) {
        problems.push_back({script.file, s.pointer, "question has no \"reprompt\" for unclear replies"});
      }
      if (!s.max_unclear_given) {
        problems.push_back({script.file, s.pointer, "question has no \"max_unclear\" retry cap"});
      }
      if (!s.fallback) {
        problems.push_back({script.file, s.pointer, "question has no \"fallback\" for when replies stay unclear"});
      }
    }
    if (s.kind == StateKind::kResult && !s.var.empty()) vars_set.insert(s.var);
  }
  auto check_conditions = [&](const State& s, const std::optional<Transition>& t) {
    if (!t) return;
    for (const Rule& r : *t) {
      if (!r.condition) continue;
      if (!r.condition->var.empty() && !vars_set.count(r.condition->var)) {
        problems.push_back({script.file, s.pointer, "condition on \"" + r.condition->var + "\", which no state sets"});
      }
      if (!r.condition->score.empty() && !scores_added.count(r.condition->score)) {
        problems.push_back({script.file, s.pointer, "condition on score \"" + r.condition->score + "\", which no question adds to"});
      }
    }
  };
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    check_conditions(s, s.next);
    check_conditions(s, s.fallback);
    for (const auto& [o, t] : s.on) check_conditions(s, t);
    if (s.kind == StateKind::kResult && !scores_added.count(s.score)) {
      problems.push_back({script.file, s.pointer, "result on score \"" + s.score + "\", which no question adds to"});
    }
  }
  CheckEndings(script, &problems);
  return problems;
}

}  // namespace screener
