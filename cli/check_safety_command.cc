// screener check-safety SCRIPT... --corpus FILE
#include <iostream>

#include "cli/command.h"
#include "cli/script_files.h"
#include "dialogue/safety_check.h"

namespace screener::cli {

int RunCheckSafety(const Args& args, Io& io) {
  static constexpr const char* kHelp =
      "usage: screener check-safety SCRIPT... --corpus FILE [--region CODE]\n"
      "\n"
      "Walks every reachable state of each script and sends every line of a\n"
      "labelled corpus (LABEL<TAB>...<TAB>TEXT; labels crisis, ask, none) from\n"
      "each. Crisis lines must get the crisis reply with resources and no\n"
      "further questionnaire item; ask lines the safety question or the crisis\n"
      "reply; 'none' lines neither. Exits 1 listing each failing state and line.\n";
  std::vector<std::string> scripts;
  std::string corpus_path, region = "US";
  for (size_t i = 0; i < args.size(); ++i) {
    if (IsHelp(args[i])) {
      io.out << kHelp;
      return kExitOk;
    }
    if ((args[i] == "--corpus" || args[i] == "--region") && i + 1 >= args.size()) {
      io.err << "screener check-safety: " << args[i] << " needs a value\n";
      return kExitUsage;
    }
    if (args[i] == "--corpus") {
      corpus_path = args[++i];
    } else if (args[i] == "--region") {
      region = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-') {
      io.err << "screener check-safety: unknown option '" << args[i] << "'\n" << kHelp;
      return kExitUsage;
    } else {
      scripts.push_back(args[i]);
    }
  }
  if (scripts.empty() || corpus_path.empty()) {
    io.err << "screener check-safety: needs at least one script and --corpus FILE\n" << kHelp;
    return kExitUsage;
  }
  auto corpus = LoadSafetyCorpus(corpus_path);
  if (!corpus) {
    io.err << corpus.error() << "\n";
    return kExitFailure;
  }
  ScriptLoader loader = MakeScriptLoader();
  size_t failures = 0;
  for (const std::string& path : scripts) {
    auto script = LoadOrReport(loader, path, io.err);
    if (!script) {
      ++failures;
      continue;
    }
    SafetyReport report = CheckSafety(script, *corpus, region);
    for (const SafetyFailure& f : report.failures) {
      io.out << path << ": " << f.place << ": \"" << f.line << "\": " << f.reason << "\n";
    }
    io.out << path << ": " << report.places << " places, " << report.sent << " messages, "
           << report.failures.size() << " failures\n";
    failures += report.failures.size();
  }
  return failures ? kExitFailure : kExitOk;
}

}  // namespace screener::cli
