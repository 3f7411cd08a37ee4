// `screener detect`: the crisis detector over stdin, one message per line.
//
// Prints `crisis<TAB>cat,...`, `ask<TAB>cat,...` or `none` per input line, in
// order. Output is buffered (no flush per line) unless the session is
// interactive, so 100,000 lines take about as long as the detector itself.
// With --eval FILE.tsv it scores the detector against labelled lines instead.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/command.h"
#include "dialogue/crisis/detector.h"

namespace screener::cli {
namespace {

constexpr const char* kDetectUsage =
    "usage: screener detect [--lang en|es] [--patterns DIR] [--explain] [--eval FILE.tsv]\n"
    "\n"
    "Reads one message per line on stdin and prints one line per message:\n"
    "  crisis<TAB>category,...   clear risk: show resources now\n"
    "  ask<TAB>category,...      ambiguous: ask directly about thoughts of suicide\n"
    "  none\n"
    "\n"
    "options:\n"
    "  --lang LANG      use only that language's patterns (default: all)\n"
    "  --patterns DIR   pattern and idiom files (default: scripts/crisis, else the\n"
    "                   source tree's scripts/crisis)\n"
    "  --explain        after each verdict, the pattern ids and context rules\n"
    "  --eval FILE.tsv  score labelled lines (LABEL<TAB>TEXT or\n"
    "                   LABEL<TAB>LANG<TAB>TEXT; LABEL is crisis, ask or none;\n"
    "                   '#' lines are comments). ask counts as caught: recall,\n"
    "                   precision and false-positive rate treat crisis and ask\n"
    "                   alike as positive. Misses and false positives are listed.\n";

std::string DefaultPatternsDir() {
  std::error_code ec;
  if (std::filesystem::is_directory("scripts/crisis", ec)) return "scripts/crisis";
  return std::string(SCREENER_SOURCE_DIR) + "/scripts/crisis";
}

std::string Verdict(const crisis::Assessment& a) {
  std::string line(crisis::LevelName(a.level));
  if (a.level == crisis::Level::kNone) return line;
  line += '\t';
  for (size_t i = 0; i < a.categories.size(); ++i) {
    if (i > 0) line += ',';
    line += a.categories[i];
  }
  return line;
}

std::string Explain(const crisis::Explanation& e) {
  std::string out = "\t[" + e.normalized + "]";
  for (const crisis::Hit& h : e.hits) {
    out += " " + h.pattern_id + "=" + std::string(crisis::LevelName(h.level));
    if (!h.rule.empty()) out += "(" + h.rule + ")";
    if (h.about_someone_else) out += "{someone else}";
  }
  if (e.used_fallback) out += " {fallback}";
  return out;
}

void StripCr(std::string* line) {
  if (!line->empty() && line->back() == '\r') line->pop_back();
}

struct Counts {
  size_t positives = 0, negatives = 0;
  size_t true_positives = 0, false_positives = 0;
  size_t caught_as_crisis = 0, caught_as_ask = 0;
};

std::string Ratio(size_t num, size_t den) {
  if (den == 0) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(num) / static_cast<double>(den));
  return buf;
}

int Evaluate(const crisis::PatternDetector& detector, const std::string& path, Io& io) {
  std::ifstream in(path);
  if (!in) {
    io.err << path << ": cannot open file\n";
    return kExitFailure;
  }
  Counts c;
  std::string line, report;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    StripCr(&line);
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      io.err << path << ": line " << line_number << ": expected LABEL<TAB>TEXT\n";
      return kExitFailure;
    }
    std::string label = line.substr(0, tab);
    std::string text = line.substr(tab + 1);
    size_t second = text.find('\t');
    if (second != std::string::npos && second <= 8) text = text.substr(second + 1);  // LANG column
    bool expected_positive;
    if (label == "crisis" || label == "ask") {
      expected_positive = true;
    } else if (label == "none") {
      expected_positive = false;
    } else {
      io.err << path << ": line " << line_number << ": unknown label \"" << label
             << "\" (expected crisis, ask or none)\n";
      return kExitFailure;
    }
    crisis::Explanation e = detector.Explain(text);
    bool predicted_positive = e.assessment.level != crisis::Level::kNone;
    if (expected_positive) {
      ++c.positives;
      if (predicted_positive) {
        ++c.true_positives;
        (e.assessment.is_crisis() ? c.caught_as_crisis : c.caught_as_ask)++;
      } else {
        report += "miss\t" + label + "\t" + text + Explain(e) + "\n";
      }
    } else {
      ++c.negatives;
      if (predicted_positive) {
        ++c.false_positives;
        report += "false-positive\t" + Verdict(e.assessment) + "\t" + text + Explain(e) + "\n";
      }
    }
  }
  io.out << "lines: " << c.positives + c.negatives << " (" << c.positives << " positive, "
         << c.negatives << " negative)\n"
         << "recall: " << Ratio(c.true_positives, c.positives) << " (" << c.true_positives << " of "
         << c.positives << " caught: " << c.caught_as_crisis << " as crisis, " << c.caught_as_ask
         << " as ask)\n"
         << "precision: " << Ratio(c.true_positives, c.true_positives + c.false_positives) << "\n"
         << "false-positive rate: " << Ratio(c.false_positives, c.negatives) << " ("
         << c.false_positives << " of " << c.negatives << ")\n"
         << report;
  return kExitOk;
}

}  // namespace

int RunDetect(const Args& args, Io& io) {
  std::string lang, patterns_dir, eval_path;
  bool explain = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      io.out << kDetectUsage;
      return kExitOk;
    } else if (a == "--lang") {
      if (!value(&lang) || lang.empty()) {
        io.err << "screener detect: --lang needs a language code (en, es)\n";
        return kExitUsage;
      }
    } else if (a == "--patterns") {
      if (!value(&patterns_dir) || patterns_dir.empty()) {
        io.err << "screener detect: --patterns needs a directory\n";
        return kExitUsage;
      }
    } else if (a == "--eval") {
      if (!value(&eval_path) || eval_path.empty()) {
        io.err << "screener detect: --eval needs a file\n";
        return kExitUsage;
      }
    } else if (a == "--explain") {
      explain = true;
    } else {
      io.err << "screener detect: unknown argument \"" << a << "\"\n" << kDetectUsage;
      return kExitUsage;
    }
  }
  if (patterns_dir.empty()) patterns_dir = DefaultPatternsDir();
  std::vector<std::string> files = crisis::DefaultPatternFiles(patterns_dir, lang);
  if (files.empty()) {
    io.err << "screener detect: no pattern files" << (lang.empty() ? "" : " for language \"" + lang + "\"")
           << " in " << patterns_dir << "\n";
    return kExitUsage;
  }
  auto detector = crisis::LoadPatternDetector(files);
  if (!detector) {
    io.err << detector.error() << "\n";
    return kExitFailure;
  }
  if (!eval_path.empty()) return Evaluate(**detector, eval_path, io);

  std::string line, out;
  while (std::getline(io.in, line)) {
    StripCr(&line);
    out.clear();
    if (explain) {
      crisis::Explanation e = (*detector)->Explain(line);
      out = Verdict(e.assessment) + Explain(e);
    } else {
      out = Verdict((*detector)->Assess(line));
    }
    out += '\n';
    io.out.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (io.interactive) io.out.flush();
  }
  io.out.flush();
  return kExitOk;
}

}  // namespace screener::cli
