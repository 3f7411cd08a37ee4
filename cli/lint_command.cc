// screener lint SCRIPT...: load-time validation plus the screening rules.
#include <iostream>

#include "cli/command.h"
#include "cli/script_files.h"
#include "dialogue/lint.h"

namespace screener::cli {

int RunLint(const Args& args, Io& io) {
  static constexpr const char* kHelp =
      "usage: screener lint SCRIPT...\n"
      "\n"
      "Checks dialogue scripts: the format (unknown fields, missing targets,\n"
      "unreachable states, dead ends, score bands) and the screening rules\n"
      "(re-prompts and retry caps, disclaimer and resources at every ending,\n"
      "disclosure). Prints one 'file: /json/pointer: reason' line per problem;\n"
      "exits 1 if there is any.\n";
  if (args.empty()) {
    io.err << kHelp;
    return kExitUsage;
  }
  for (const auto& a : args) {
    if (IsHelp(a)) {
      io.out << kHelp;
      return kExitOk;
    }
    if (!a.empty() && a[0] == '-') {
      io.err << "screener lint: unknown option '" << a << "'\n";
      return kExitUsage;
    }
  }
  ScriptLoader loader = MakeScriptLoader();
  size_t problems = 0, bad_files = 0;
  for (const std::string& path : args) {
    auto loaded = loader.Load(path);
    Problems found = loaded ? LintScript((*loaded)->script) : loaded.problems();
    for (const Problem& p : found) io.out << p.ToString() << "\n";
    problems += found.size();
    bad_files += !found.empty();
  }
  if (problems == 0) {
    io.out << "lint: " << args.size() << (args.size() == 1 ? " script" : " scripts") << " OK\n";
    return kExitOk;
  }
  io.out << "lint: " << problems << (problems == 1 ? " problem" : " problems") << " in " << bad_files
         << (bad_files == 1 ? " script\n" : " scripts\n");
  return kExitFailure;
}

}  // namespace screener::cli
