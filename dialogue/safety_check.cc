#include "dialogue/safety_check.h"

#include <deque>
#include <map>
#include <sstream>

#include "dialogue/conversation.h"
#include "dialogue/json_reader.h"

namespace screener {
namespace {

std::string PlaceOf(const Conversation& c) {
  switch (c.last_turn().kind) {
    case TurnKind::kHold:
    case TurnKind::kCrisis:
      return c.ended() ? "ended after a crisis reply at " + c.state() : "paused after a crisis reply at " + c.state();
    case TurnKind::kSafetyCheck:
      return "safety question at " + c.state();
    default:
      return c.ended() ? "ended at " + c.state() : c.state();
  }
}

// Every place a person can reach, each with a conversation standing there.
std::vector<std::pair<std::string, Conversation>> ReachablePlaces(std::shared_ptr<const LoadedScript> script,
                                                                  const std::string& region) {
  std::map<std::string, Conversation> places;
  std::deque<Conversation> queue;
  Conversation first(script, ConversationOptions{region});
  first.Start();
  queue.push_back(first);
  places.emplace(PlaceOf(first), first);
  while (!queue.empty()) {
    Conversation c = std::move(queue.front());
    queue.pop_front();
    std::vector<std::string> replies;
    for (const QuickReply& q : c.last_turn().quick_replies) replies.push_back(q.label);
    const State* state = script->script.Find(c.state());
    if (!c.ended() && state && state->kind == StateKind::kAsk) {
      if (state->answer.type == AnswerType::kText) replies.push_back("I'd rather not say");
      // Unclear replies, up to the fallback.
      replies.push_back("purple elephant");
      replies.push_back("back");
    }
    for (const std::string& reply : replies) {
      Conversation next = c;
      next.Reply(reply);
      if (places.emplace(PlaceOf(next), next).second) queue.push_back(next);
    }
  }
  return {places.begin(), places.end()};
}

}  // namespace

Result<SafetyCorpus> LoadSafetyCorpus(const std::string& path) {
  Result<std::string> text = ReadFileText(path);
  if (!text) return text.problems();
  SafetyCorpus corpus;
  std::istringstream in(*text);
  std::string line;
  int number = 0;
  Problems problems;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t first_tab = line.find('\t');
    size_t last_tab = line.rfind('\t');
    if (first_tab == std::string::npos) {
      problems.push_back({path, "line " + std::to_string(number), "expected LABEL<TAB>TEXT"});
      continue;
    }
    std::string label = line.substr(0, first_tab);
    std::string message = line.substr(last_tab + 1);
    if (label == "crisis") {
      corpus.crisis.push_back(message);
    } else if (label == "ask") {
      corpus.ask.push_back(message);
    } else if (label == "none") {
      corpus.negatives.push_back(message);
    } else {
      problems.push_back({path, "line " + std::to_string(number), "unknown label \"" + label + "\" (crisis, ask, none)"});
    }
  }
  if (!problems.empty()) return problems;
  if (corpus.crisis.empty()) return Problem{path, "", "no crisis lines to inject"};
  return corpus;
}

SafetyReport CheckSafety(std::shared_ptr<const LoadedScript> script, const SafetyCorpus& corpus,
                         const std::string& region) {
  SafetyReport report;
  auto places = ReachablePlaces(script, region);
  report.places = places.size();
  for (const auto& [place, conversation] : places) {
    auto fail = [&, place = place](const std::string& line, std::string reason) {
      report.failures.push_back({place, line, std::move(reason)});
    };
    for (const std::string& line : corpus.crisis) {
      Conversation c = conversation;
      Turn turn = c.Reply(line);
      ++report.sent;
      if (!turn.crisis) {
        fail(line, "no crisis reply (turn kind " + std::string(TurnKindName(turn.kind)) + ")");
      } else if (turn.resources.empty()) {
        fail(line, "crisis reply without resources");
      } else if (turn.progress || turn.kind != TurnKind::kCrisis) {
        fail(line, "the crisis reply goes on with the questionnaire");
      }
    }
    for (const std::string& line : corpus.ask) {
      Conversation c = conversation;
      Turn turn = c.Reply(line);
      ++report.sent;
      if (turn.kind != TurnKind::kSafetyCheck && !turn.crisis) {
        fail(line, "neither the safety question nor the crisis reply");
      }
    }
    for (const std::string& line : corpus.negatives) {
      Conversation c = conversation;
      Turn turn = c.Reply(line);
      ++report.sent;
      // An answer the script escalates on (PHQ-9 item 9) is not the detector
      // misfiring: "several days" there must give the crisis reply.
      bool detector_fired = turn.crisis && turn.crisis->source == CrisisNotice::Source::kMessage;
      if (detector_fired || turn.kind == TurnKind::kSafetyCheck) fail(line, "a hard negative triggered the crisis path");
    }
  }
  return report;
}

}  // namespace screener
