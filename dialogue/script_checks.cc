// The checks that need the whole script: targets, reachability, dead ends,
// spinning loops, steps and score bands.
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "dialogue/json_reader.h"
#include "dialogue/script_loader.h"

namespace screener {
namespace {

// An edge of the script graph and the score it adds when taken.
struct Edge {
  std::string target;
  const Option* option = nullptr;  // the answer taken on an ask edge, else null
};

void AddTransition(const std::optional<Transition>& t, const Option* option, std::vector<Edge>* out) {
  if (!t) return;
  for (const Rule& rule : *t) out->push_back(Edge{rule.target, option});
}

std::vector<Edge> EdgesFrom(const State& s) {
  std::vector<Edge> edges;
  if (s.kind == StateKind::kAsk) {
    if (s.answer.type == AnswerType::kText) {
      AddTransition(s.next, nullptr, &edges);
    }
    for (const Option& o : s.answer.options) {
      auto it = s.on.find(o.id);
      AddTransition(it != s.on.end() ? std::optional<Transition>(it->second) : s.next, &o, &edges);
    }
    AddTransition(s.fallback, nullptr, &edges);
  } else {
    AddTransition(s.next, nullptr, &edges);
  }
  return edges;
}

std::set<std::string> ReachableFrom(const Script& script, const std::string& start) {
  std::set<std::string> seen;
  std::deque<std::string> queue;
  if (script.Find(start)) {
    seen.insert(start);
    queue.push_back(start);
  }
  while (!queue.empty()) {
    const State* s = script.Find(queue.front());
    queue.pop_front();
    for (const Edge& e : EdgesFrom(*s)) {
      if (script.Find(e.target) && seen.insert(e.target).second) queue.push_back(e.target);
    }
  }
  return seen;
}

void CheckTargets(const Script& script, Problems* problems) {
  auto check = [&](const std::optional<Transition>& t, const std::string& pointer) {
    if (!t) return;
    for (size_t i = 0; i < t->size(); ++i) {
      const std::string& target = (*t)[i].target;
      if (!target.empty() && !script.Find(target)) {
        std::string where = t->size() == 1 && !(*t)[i].condition ? pointer : PointerAppend(pointer, i) + "/goto";
        problems->push_back({script.file, where, "no state named \"" + target + "\""});
      }
    }
  };
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    check(s.next, s.pointer + "/next");
    check(s.fallback, s.pointer + "/fallback");
    for (const auto& [option, t] : s.on) check(t, PointerAppend(s.pointer + "/on", option));
  }
}

// A cycle made only of say and result states would never wait for the
// person: the engine would spin. Depth-first search for one.
void CheckSpinningLoops(const Script& script, Problems* problems) {
  std::map<std::string, int> colour;  // 0 new, 1 on the stack, 2 done
  std::function<bool(const std::string&)> visit = [&](const std::string& id) {
    const State* s = script.Find(id);
    if (!s || s->kind == StateKind::kAsk || s->kind == StateKind::kEnd) return false;
    if (colour[id] == 1) return true;
    if (colour[id] == 2) return false;
    colour[id] = 1;
    for (const Edge& e : EdgesFrom(*s)) {
      if (visit(e.target)) {
        colour[id] = 2;
        problems->push_back({script.file, s->pointer,
                             "a loop of say/result states through \"" + e.target + "\" never waits for an answer"});
        return false;
      }
    }
    colour[id] = 2;
    return false;
  };
  for (const std::string& id : script.state_order) visit(id);
}

void CheckSteps(const Script& script, Problems* problems) {
  std::map<int, std::string> seen;
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    if (s.step > 0) seen.emplace(s.step, id);
  }
  for (int step = 1; step <= script.steps; ++step) {
    if (!seen.count(step)) {
      problems->push_back({script.file, "/states",
                           "steps must run 1.." + std::to_string(script.steps) + " without gaps; no question has step " +
                               std::to_string(step)});
    }
  }
}

void CheckBands(const Script& script, Problems* problems) {
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    if (s.kind != StateKind::kResult || s.bands.empty()) continue;
    std::vector<Band> bands = s.bands;
    std::sort(bands.begin(), bands.end(), [](const Band& a, const Band& b) { return a.min < b.min; });
    for (size_t i = 1; i < bands.size(); ++i) {
      if (bands[i].min <= bands[i - 1].max) {
        problems->push_back({script.file, s.pointer + "/bands",
                             "bands \"" + bands[i - 1].label + "\" and \"" + bands[i].label + "\" overlap"});
      } else if (bands[i].min > bands[i - 1].max + 1) {
        problems->push_back({script.file, s.pointer + "/bands",
                             "no band covers scores " + std::to_string(bands[i - 1].max + 1) + ".." +
                                 std::to_string(bands[i].min - 1)});
      }
    }
    ScoreRange range = ReachableScoreRange(script, id, s.score);
    if (range.min < bands.front().min || range.max > bands.back().max) {
      problems->push_back({script.file, s.pointer + "/bands",
                           "bands cover " + std::to_string(bands.front().min) + ".." +
                               std::to_string(bands.back().max) + " but \"" + s.score + "\" can be " +
                               std::to_string(range.min) + ".." + std::to_string(range.max) + " here"});
    }
  }
}

}  // namespace

ScoreRange ReachableScoreRange(const Script& script, const std::string& state_id, const std::string& score) {
  // Breadth-first search over (state, score so far). Scores are small, so the
  // set of pairs is small; a loop that keeps adding is cut off at a bound.
  constexpr size_t kMaxPairs = 200000;
  std::set<std::pair<std::string, int>> seen;
  std::deque<std::pair<std::string, int>> queue;
  auto push = [&](const std::string& id, int value) {
    if (script.Find(id) && seen.size() < kMaxPairs && seen.emplace(id, value).second) queue.emplace_back(id, value);
  };
  push(script.start, 0);
  ScoreRange range{0, 0};
  bool found = false;
  while (!queue.empty()) {
    auto [id, value] = queue.front();
    queue.pop_front();
    if (id == state_id) {
      range.min = found ? std::min(range.min, value) : value;
      range.max = found ? std::max(range.max, value) : value;
      found = true;
    }
    const State& s = script.states.at(id);
    for (const Edge& e : EdgesFrom(s)) {
      int added = (e.option && s.score == score) ? e.option->value : 0;
      push(e.target, value + added);
    }
  }
  return range;
}

void CheckScriptGraph(const Script& script, Problems* problems) {
  size_t before = problems->size();
  if (!script.Find(script.start)) {
    problems->push_back({script.file, "/start", "no state named \"" + script.start + "\""});
  }
  CheckTargets(script, problems);
  if (problems->size() != before) return;  // the checks below assume every target exists

  std::set<std::string> reachable = ReachableFrom(script, script.start);
  for (const std::string& id : script.state_order) {
    if (!reachable.count(id)) {
      problems->push_back({script.file, script.states.at(id).pointer, "unreachable from \"" + script.start + "\""});
    }
  }
  for (const std::string& id : script.state_order) {
    if (!reachable.count(id)) continue;
    std::set<std::string> onward = ReachableFrom(script, id);
    bool ends = std::any_of(onward.begin(), onward.end(),
                            [&](const std::string& o) { return script.states.at(o).kind == StateKind::kEnd; });
    if (!ends) problems->push_back({script.file, script.states.at(id).pointer, "dead end: no \"end\" state can be reached from here"});
  }
  CheckSpinningLoops(script, problems);
  CheckSteps(script, problems);
  CheckBands(script, problems);
}

}  // namespace screener
