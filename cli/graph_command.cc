// screener graph SCRIPT [--mermaid]: the state machine as DOT or Mermaid.
#include <iostream>

#include "cli/command.h"
#include "cli/script_files.h"
#include "dialogue/graph.h"
#include "dialogue/script_loader.h"

namespace screener::cli {

int RunGraph(const Args& args, Io& io) {
  static constexpr const char* kHelp =
      "usage: screener graph SCRIPT [--mermaid]\n"
      "\n"
      "Prints the script's states and transitions as Graphviz DOT (render with\n"
      "'dot -Tsvg'), or as a Mermaid flowchart with --mermaid.\n";
  std::string path;
  bool mermaid = false;
  for (const auto& a : args) {
    if (IsHelp(a)) {
      io.out << kHelp;
      return kExitOk;
    }
    if (a == "--mermaid") {
      mermaid = true;
    } else if (a == "--dot") {
      mermaid = false;
    } else if (!a.empty() && a[0] == '-') {
      io.err << "screener graph: unknown option '" << a << "'\n" << kHelp;
      return kExitUsage;
    } else if (path.empty()) {
      path = a;
    } else {
      io.err << "screener graph: one script at a time\n";
      return kExitUsage;
    }
  }
  if (path.empty()) {
    io.err << kHelp;
    return kExitUsage;
  }
  // Drawing needs only the script, not its crisis files.
  auto script = LoadScript(path);
  if (!script) {
    for (const Problem& p : script.problems()) io.err << p.ToString() << "\n";
    return kExitFailure;
  }
  io.out << (mermaid ? ScriptToMermaid(*script) : ScriptToDot(*script));
  return kExitOk;
}

}  // namespace screener::cli
