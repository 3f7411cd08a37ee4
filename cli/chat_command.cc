// screener chat SCRIPT: talk to a script in the terminal, or replay lines
// piped on stdin (printf 'yes\nno\n' | screener chat SCRIPT).
#include <iostream>

#include "cli/command.h"
#include "cli/script_files.h"
#include "dialogue/conversation.h"

namespace screener::cli {
namespace {

constexpr const char* kChatHelp =
    "usage: screener chat SCRIPT [--region CODE]\n"
    "\n"
    "Talk to a dialogue script. Answers are typed as plain text; the options\n"
    "are shown with a short key (e.g. [y] Yes) that can be typed instead.\n"
    "When stdin is not a terminal, each line is one message.\n"
    "\n"
    "  --region CODE   crisis resources for this region (default US; e.g. GB, CA, AU)\n"
    "  --help          show this help\n";

void PrintResources(const Turn& turn, std::ostream& out) {
  for (const auto& r : turn.resources) {
    out << "    * " << r.name;
    if (!r.description.empty()) out << ": " << r.description;
    if (!r.url.empty()) out << " " << r.url;
    out << "\n";
  }
}

void PrintTurn(const Turn& turn, std::ostream& out) {
  // On a crisis reply the resources follow the escalation text at once,
  // before anything else is said.
  size_t before_resources = turn.crisis ? 1 : turn.messages.size();
  if (turn.crisis) out << "  [crisis: help is available now]\n";
  for (size_t i = 0; i < turn.messages.size(); ++i) {
    if (i == before_resources) PrintResources(turn, out);
    out << "  " << turn.messages[i] << "\n";
  }
  if (before_resources >= turn.messages.size()) PrintResources(turn, out);
  if (!turn.quick_replies.empty()) {
    out << "  ";
    for (size_t i = 0; i < turn.quick_replies.size(); ++i) {
      const QuickReply& q = turn.quick_replies[i];
      out << (i ? "  " : "") << "[" << (q.key.empty() ? q.label : q.key + "] " + q.label);
      if (q.key.empty()) out << "]";
    }
    out << "\n";
  }
  if (turn.progress) out << "  (question " << turn.progress->step << " of " << turn.progress->of << ")\n";
  out << "\n";
}

}  // namespace

int RunChat(const Args& args, Io& io) {
  std::string path, region = "US";
  for (size_t i = 0; i < args.size(); ++i) {
    if (IsHelp(args[i])) {
      io.out << kChatHelp;
      return kExitOk;
    }
    if (args[i] == "--region" && i + 1 < args.size()) {
      region = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-') {
      io.err << "screener chat: unknown option '" << args[i] << "'\n" << kChatHelp;
      return kExitUsage;
    } else if (path.empty()) {
      path = args[i];
    } else {
      io.err << "screener chat: one script at a time\n" << kChatHelp;
      return kExitUsage;
    }
  }
  if (path.empty()) {
    io.err << "screener chat: which script? e.g. screener chat scripts/emotional-numbness.json\n";
    return kExitUsage;
  }
  ScriptLoader loader = MakeScriptLoader();
  auto script = LoadOrReport(loader, path, io.err);
  if (!script) return kExitFailure;

  Conversation conversation(script, ConversationOptions{region});
  if (io.interactive) {
    io.out << script->script.title << " (" << script->script.id << " " << script->script.version
           << "). Type 'help' for commands; Ctrl-D leaves.\n\n";
  }
  PrintTurn(conversation.Start(), io.out);
  std::string line;
  while (true) {
    if (io.interactive) io.out << "> " << std::flush;
    if (!std::getline(io.in, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!io.interactive) io.out << "> " << line << "\n";
    PrintTurn(conversation.Reply(line), io.out);
    io.out.flush();
  }
  if (io.interactive) io.out << "\n";
  return kExitOk;
}

}  // namespace screener::cli
