#include "dialogue/transcript.h"

#include <sstream>

#include "dialogue/conversation.h"

namespace screener {
namespace {

// A message may hold a line break; in a transcript it is written "\\n" so
// every message stays on one line.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\\') out += "\\\\";
    else out += c;
  }
  return out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
      out += s[i + 1] == 'n' ? '\n' : '\\';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> SplitList(std::string_view s, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(separator, start);
    if (end == std::string_view::npos) end = s.size();
    std::string item = Trim(s.substr(start, end - start));
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(separator)) + i;
  return out;
}

std::vector<std::string> ButtonLabels(const Turn& turn) {
  std::vector<std::string> labels;
  for (const QuickReply& q : turn.quick_replies) labels.push_back(q.label);
  return labels;
}

std::vector<std::string> ResourceNames(const Turn& turn) {
  std::vector<std::string> names;
  for (const auto& r : turn.resources) names.push_back(r.name);
  return names;
}

std::string ProgressText(const Turn& turn) {
  return turn.progress ? std::to_string(turn.progress->step) + "/" + std::to_string(turn.progress->of) : "none";
}

// Lines of the expected turn that the actual turn does not satisfy.
std::vector<std::string> Differences(const ExpectedTurn& expected, const Turn& actual) {
  std::vector<std::string> wrong;
  if (!expected.bot.empty() && expected.bot != actual.messages) {
    for (const auto& m : expected.bot) wrong.push_back("bot: " + m);
  }
  for (const auto& s : expected.says) {
    bool found = false;
    for (const auto& m : actual.messages) found = found || m.find(s) != std::string::npos;
    if (!found) wrong.push_back("says: " + s);
  }
  if (expected.buttons && *expected.buttons != ButtonLabels(actual)) {
    wrong.push_back("buttons: " + JoinList(*expected.buttons, " | "));
  }
  if (expected.progress && *expected.progress != ProgressText(actual)) wrong.push_back("progress: " + *expected.progress);
  if (expected.state && *expected.state != actual.state) wrong.push_back("state: " + *expected.state);
  std::vector<std::string> crisis = actual.crisis ? actual.crisis->categories : std::vector<std::string>{};
  if (expected.crisis != crisis) {
    wrong.push_back("crisis: " + (expected.crisis.empty() ? std::string("none") : JoinList(expected.crisis, ",")));
  }
  if (expected.check != (actual.kind == TurnKind::kSafetyCheck)) wrong.push_back(expected.check ? "check: yes" : "check: no");
  if (expected.resources && *expected.resources != ResourceNames(actual)) {
    wrong.push_back("resources: " + JoinList(*expected.resources, " | "));
  }
  if (expected.ended != actual.ended) wrong.push_back(expected.ended ? "ended: yes" : "ended: no");
  return wrong;
}

}  // namespace

Result<Transcript> ParseTranscript(std::string_view text, const std::string& file) {
  Transcript t;
  t.file = file;
  t.turns.emplace_back();
  t.turns.back().line = 1;
  Problems problems;
  std::istringstream in{std::string(text)};
  std::string raw;
  int line_number = 0;
  bool seen_content = false;
  std::vector<std::string> pending_comments;
  while (std::getline(in, raw)) {
    ++line_number;
    std::string line = Trim(raw);
    if (line.empty()) continue;
    auto where = "line " + std::to_string(line_number);
    if (line[0] == '#') {
      if (!seen_content) {
        t.header_comments.push_back(line);
      } else {
        pending_comments.push_back(line);
      }
      continue;
    }
    seen_content = true;
    if (line[0] == '>') {
      ExpectedTurn turn;
      turn.line = line_number;
      turn.user = Unescape(line.size() > 1 && line[1] == ' ' ? line.substr(2) : line.substr(1));
      turn.comments = std::move(pending_comments);
      pending_comments.clear();
      t.turns.push_back(std::move(turn));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      problems.push_back({file, where, "expected \"> message\" or \"field: value\", found \"" + line + "\""});
      continue;
    }
    std::string field = line.substr(0, colon);
    std::string value = Trim(line.substr(colon + 1));
    ExpectedTurn& turn = t.turns.back();
    bool opening = t.turns.size() == 1;
    if (field == "region" && opening) {
      t.region = value;
    } else if (field == "bot") {
      turn.bot.push_back(Unescape(value));
    } else if (field == "says") {
      turn.says.push_back(Unescape(value));
    } else if (field == "buttons") {
      turn.buttons = SplitList(value, '|');
    } else if (field == "progress") {
      turn.progress = value;
    } else if (field == "state") {
      turn.state = value;
    } else if (field == "crisis") {
      turn.crisis = value == "none" ? std::vector<std::string>{} : SplitList(value, ',');
    } else if (field == "check") {
      turn.check = value == "yes";
    } else if (field == "resources") {
      turn.resources = SplitList(value, '|');
    } else if (field == "ended") {
      if (value != "yes" && value != "no") problems.push_back({file, where, "ended: takes yes or no"});
      turn.ended = value == "yes";
    } else {
      problems.push_back({file, where,
                          "unknown field \"" + field +
                              "\" (allowed: bot, says, buttons, progress, state, crisis, check, resources, ended"
                              ", and region before the first \">\")"});
    }
  }
  if (t.turns.size() < 2) problems.push_back({file, "", "no \"> message\" lines: nothing to replay"});
  if (!problems.empty()) return problems;
  return t;
}

std::vector<std::string> RenderTurn(const Turn& turn) {
  std::vector<std::string> lines;
  for (const auto& m : turn.messages) lines.push_back("bot: " + Escape(m));
  if (!turn.quick_replies.empty()) lines.push_back("buttons: " + JoinList(ButtonLabels(turn), " | "));
  if (turn.progress) lines.push_back("progress: " + ProgressText(turn));
  lines.push_back("state: " + turn.state);
  if (turn.crisis) lines.push_back("crisis: " + JoinList(turn.crisis->categories, ","));
  if (turn.kind == TurnKind::kSafetyCheck) lines.push_back("check: yes");
  if (!turn.resources.empty()) lines.push_back("resources: " + JoinList(ResourceNames(turn), " | "));
  if (turn.ended) lines.push_back("ended: yes");
  return lines;
}

TranscriptRun RunTranscript(std::shared_ptr<const LoadedScript> script, const Transcript& transcript) {
  TranscriptRun run;
  Conversation conversation(script, ConversationOptions{transcript.region});
  std::ostringstream regenerated, report;
  for (const auto& c : transcript.header_comments) regenerated << c << "\n";
  regenerated << "region: " << transcript.region << "\n\n";
  for (size_t i = 0; i < transcript.turns.size(); ++i) {
    const ExpectedTurn& expected = transcript.turns[i];
    Turn actual = i == 0 ? conversation.Start() : conversation.Reply(*expected.user);
    if (i > 0) {
      for (const auto& c : expected.comments) regenerated << c << "\n";
      regenerated << "> " << Escape(*expected.user) << "\n";
    }
    std::vector<std::string> rendered = RenderTurn(actual);
    for (const auto& line : rendered) regenerated << line << "\n";
    regenerated << "\n";
    if (!run.passed) continue;  // keep regenerating, stop reporting
    std::vector<std::string> wrong = Differences(expected, actual);
    if (wrong.empty()) continue;
    run.passed = false;
    report << transcript.file << ":" << expected.line << ": turn " << i;
    if (expected.user) report << " (> " << *expected.user << ")";
    report << " differs\n";
    for (const auto& w : wrong) report << "  - " << w << "\n";
    for (const auto& r : rendered) report << "  + " << r << "\n";
  }
  run.report = report.str();
  run.regenerated = regenerated.str();
  return run;
}

}  // namespace screener
