#include "dialogue/graph.h"

#include <map>
#include <sstream>

namespace screener {
namespace {

struct GraphEdge {
  std::string from, to, label;
  bool dashed = false;  // fallbacks
};

std::string ConditionText(const Condition& c) {
  if (!c.score.empty()) {
    std::string out = c.score;
    if (c.at_least && c.at_most) return out + " " + std::to_string(*c.at_least) + ".." + std::to_string(*c.at_most);
    if (c.at_least) return out + " >= " + std::to_string(*c.at_least);
    return out + " <= " + std::to_string(*c.at_most);
  }
  return c.var + (c.is ? " = " + *c.is : " != " + *c.is_not);
}

void AddEdges(const std::string& from, const Transition& t, const std::string& label, bool dashed,
              std::vector<GraphEdge>* out) {
  for (const Rule& r : t) {
    std::string l = label;
    if (r.condition) l += (l.empty() ? "" : ", ") + std::string("if ") + ConditionText(*r.condition);
    out->push_back({from, r.target, l, dashed});
  }
}

std::vector<GraphEdge> Edges(const Script& script) {
  std::vector<GraphEdge> edges;
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    for (const auto& [option, t] : s.on) AddEdges(id, t, option, false, &edges);
    if (s.next) {
      bool all_routed = s.kind == StateKind::kAsk && !s.answer.options.empty() && s.on.size() == s.answer.options.size();
      if (!all_routed) AddEdges(id, *s.next, s.on.empty() ? "" : "other", false, &edges);
    }
    if (s.fallback) AddEdges(id, *s.fallback, "unclear", true, &edges);
  }
  return edges;
}

std::string KindText(const State& s) {
  switch (s.kind) {
    case StateKind::kSay: return "say";
    case StateKind::kEnd: return "end";
    case StateKind::kResult: return "result: " + s.score;
    case StateKind::kAsk: {
      std::string type = s.answer.type == AnswerType::kYesNo      ? "yes/no"
                         : s.answer.type == AnswerType::kFrequency ? "frequency"
                         : s.answer.type == AnswerType::kChoice    ? "choice"
                                                                   : "text";
      std::string out = "ask " + type;
      if (s.step) out += ", step " + std::to_string(s.step);
      if (s.escalate) out += ", escalates";
      return out;
    }
  }
  return "";
}

std::string EscapeDot(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string EscapeMermaid(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '"' ? std::string("#quot;") : std::string(1, c);
  return out;
}

}  // namespace

std::string ScriptToDot(const Script& script) {
  std::ostringstream out;
  out << "digraph \"" << EscapeDot(script.id) << "\" {\n"
      << "  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n";
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    const char* shape = s.kind == StateKind::kAsk      ? "box, style=rounded"
                        : s.kind == StateKind::kSay    ? "note"
                        : s.kind == StateKind::kResult ? "hexagon"
                                                       : "doublecircle";
    out << "  \"" << EscapeDot(id) << "\" [shape=" << shape << ", label=\"" << EscapeDot(id) << "\\n"
        << EscapeDot(KindText(s)) << "\"" << (id == script.start ? ", penwidth=2" : "") << "];\n";
  }
  for (const GraphEdge& e : Edges(script)) {
    out << "  \"" << EscapeDot(e.from) << "\" -> \"" << EscapeDot(e.to) << "\"";
    if (!e.label.empty() || e.dashed) {
      out << " [";
      if (!e.label.empty()) out << "label=\"" << EscapeDot(e.label) << "\"";
      if (e.dashed) out << (e.label.empty() ? "" : ", ") << "style=dashed";
      out << "]";
    }
    out << ";\n";
  }
  out << "}\n";
  return out.str();
}

std::string ScriptToMermaid(const Script& script) {
  std::ostringstream out;
  out << "flowchart TD\n";
  std::map<std::string, std::string> node;  // Mermaid ids must be simple
  int n = 0;
  for (const std::string& id : script.state_order) node[id] = "s" + std::to_string(n++);
  for (const std::string& id : script.state_order) {
    const State& s = script.states.at(id);
    std::string label = EscapeMermaid(id + " (" + KindText(s) + ")");
    const char* open = s.kind == StateKind::kAsk ? "(\"" : s.kind == StateKind::kEnd ? "((\"" : s.kind == StateKind::kResult ? "{{\"" : "[\"";
    const char* close = s.kind == StateKind::kAsk ? "\")" : s.kind == StateKind::kEnd ? "\"))" : s.kind == StateKind::kResult ? "\"}}" : "\"]";
    out << "  " << node[id] << open << label << close << "\n";
  }
  for (const GraphEdge& e : Edges(script)) {
    out << "  " << node[e.from] << (e.dashed ? " -.->" : " -->");
    if (!e.label.empty()) out << "|" << EscapeMermaid(e.label) << "|";
    out << " " << node[e.to] << "\n";
  }
  return out.str();
}

}  // namespace screener
