// screener test SCRIPT TRANSCRIPT...: replay golden transcripts.
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/script_files.h"
#include "dialogue/json_reader.h"
#include "dialogue/transcript.h"

namespace screener::cli {

int RunTest(const Args& args, Io& io) {
  static constexpr const char* kHelp =
      "usage: screener test SCRIPT TRANSCRIPT... [--update]\n"
      "\n"
      "Replays golden transcripts (docs/scripts.md) against the script and\n"
      "prints what differs; exits 1 if any transcript fails.\n"
      "\n"
      "  --update   rewrite the transcripts with what the bot says now\n";
  std::vector<std::string> files;
  bool update = false;
  for (const auto& a : args) {
    if (IsHelp(a)) {
      io.out << kHelp;
      return kExitOk;
    }
    if (a == "--update") {
      update = true;
    } else if (!a.empty() && a[0] == '-') {
      io.err << "screener test: unknown option '" << a << "'\n" << kHelp;
      return kExitUsage;
    } else {
      files.push_back(a);
    }
  }
  if (files.size() < 2) {
    io.err << "screener test: needs a script and at least one transcript\n" << kHelp;
    return kExitUsage;
  }
  ScriptLoader loader = MakeScriptLoader();
  auto script = LoadOrReport(loader, files[0], io.err);
  if (!script) return kExitFailure;

  int failed = 0, passed = 0;
  for (size_t i = 1; i < files.size(); ++i) {
    auto text = ReadFileText(files[i]);
    auto transcript = text ? ParseTranscript(*text, files[i]) : Result<Transcript>(text.problems());
    if (!transcript) {
      for (const Problem& p : transcript.problems()) io.out << p.ToString() << "\n";
      ++failed;
      continue;
    }
    TranscriptRun run = RunTranscript(script, *transcript);
    if (update) {
      std::ofstream(files[i], std::ios::trunc) << run.regenerated;
      io.out << "updated " << files[i] << "\n";
      ++passed;
      continue;
    }
    if (run.passed) {
      ++passed;
    } else {
      ++failed;
      io.out << run.report;
    }
  }
  io.out << "test: " << passed << " passed, " << failed << " failed\n";
  return failed ? kExitFailure : kExitOk;
}

}  // namespace screener::cli
