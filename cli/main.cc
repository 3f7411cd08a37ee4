// screener: chat with, test, lint and draw dialogue scripts; run the crisis
// detector. A thin front over the dialogue library: each subcommand is a
// function in cli/ (command.h).
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "cli/did_you_mean.h"

namespace {

using screener::cli::Args;
using screener::cli::Io;

struct Subcommand {
  std::string_view name;
  int (*run)(const Args&, Io&);
  std::string_view summary;
};

constexpr Subcommand kSubcommands[] = {
    {"chat", screener::cli::RunChat, "talk to a script in the terminal"},
    {"test", screener::cli::RunTest, "replay golden transcripts against a script"},
    {"lint", screener::cli::RunLint, "check scripts for errors and screening rules"},
    {"graph", screener::cli::RunGraph, "draw a script's states as Graphviz DOT or Mermaid"},
    {"detect", screener::cli::RunDetect, "run the crisis detector on lines of text"},
    {"check-safety", screener::cli::RunCheckSafety, "prove every state answers crisis lines with resources"},
};

void PrintUsage(std::ostream& out) {
  out << "usage: screener <command> [options]\n\ncommands:\n";
  for (const Subcommand& s : kSubcommands) {
    out << "  " << s.name << std::string(14 - s.name.size(), ' ') << s.summary << "\n";
  }
  out << "\n'screener <command> --help' tells more about a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  Io io{std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)};
  if (argc < 2) {
    PrintUsage(std::cerr);
    return screener::cli::kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return screener::cli::kExitOk;
  }
  if (name == "--version") {
    std::cout << "screener " << SCREENER_VERSION << "\n";
    return screener::cli::kExitOk;
  }
  Args args(argv + 2, argv + argc);
  std::vector<std::string> names;
  for (const Subcommand& s : kSubcommands) {
    if (s.name == name) return s.run(args, io);
    names.emplace_back(s.name);
  }
  std::cerr << "screener: unknown command '" << name << "'";
  if (auto suggestion = screener::cli::DidYouMean(name, names)) std::cerr << ", did you mean '" << *suggestion << "'?";
  std::cerr << "\n";
  PrintUsage(std::cerr);
  return screener::cli::kExitUsage;
}
