// `screener detect` through RunDetect: verdict lines, usage errors, --eval.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/command.h"

namespace screener::cli {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome Detect(const Args& args, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  Io io{in, out, err, false};
  int code = RunDetect(args, io);
  return {code, out.str(), err.str()};
}

TEST(DetectCommandTest, OneVerdictPerLineInOrder) {
  Outcome r = Detect({}, "I want to die\nmy phone died\nI'm not suicidal\r\nhe's going to hurt me\n\nquiero morir\n");
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "crisis\tsuicide\nnone\nask\tsuicide\ncrisis\tdanger\nnone\ncrisis\tsuicide\n");
}

TEST(DetectCommandTest, LangRestrictsPatterns) {
  Outcome en = Detect({"--lang", "en"}, "quiero morir\nI want to die\n");
  EXPECT_EQ(en.out, "none\ncrisis\tsuicide\n");
  Outcome es = Detect({"--lang", "es", "--patterns", "scripts/crisis"}, "quiero morir\nI want to die\n");
  EXPECT_EQ(es.out, "crisis\tsuicide\nnone\n");
}

TEST(DetectCommandTest, UsageErrorsExitTwo) {
  Outcome unknown = Detect({"--frobnicate"}, "");
  EXPECT_EQ(unknown.code, kExitUsage);
  EXPECT_EQ(unknown.err.rfind("screener detect: unknown argument \"--frobnicate\"\n", 0), 0u) << unknown.err;
  Outcome no_value = Detect({"--lang"}, "");
  EXPECT_EQ(no_value.code, kExitUsage);
  EXPECT_EQ(no_value.err, "screener detect: --lang needs a language code (en, es)\n");
  Outcome no_lang = Detect({"--lang", "xx"}, "");
  EXPECT_EQ(no_lang.code, kExitUsage);
  EXPECT_EQ(no_lang.err, "screener detect: no pattern files for language \"xx\" in scripts/crisis\n");
  Outcome no_dir = Detect({"--patterns", "no/such/dir"}, "");
  EXPECT_EQ(no_dir.code, kExitUsage);
  EXPECT_EQ(no_dir.err, "screener detect: no pattern files in no/such/dir\n");
}

TEST(DetectCommandTest, Help) {
  Outcome r = Detect({"--help"}, "");
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("usage: screener detect"), std::string::npos);
}

TEST(DetectCommandTest, Explain) {
  Outcome r = Detect({"--explain"}, "I don't want to die\n");
  EXPECT_EQ(r.out, "ask\tsuicide\t[i don't want to die] en.suicide.want_to_die=ask(negation)\n");
}

TEST(DetectCommandTest, Eval) {
  std::string path = ::testing::TempDir() + "eval.tsv";
  std::ofstream(path) << "# comment\ncrisis\tI want to die\ncrisis\ten\tI'm not suicidal\n"
                         "crisis\tthe weather is nice\nnone\tmy phone died\nnone\tI want to kill him\n";
  Outcome r = Detect({"--eval", path}, "");
  std::remove(path.c_str());
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find("miss\t")),
            "lines: 5 (3 positive, 2 negative)\n"
            "recall: 0.6667 (2 of 3 caught: 1 as crisis, 1 as ask)\n"
            "precision: 0.6667\n"
            "false-positive rate: 0.5000 (1 of 2)\n");
  EXPECT_NE(r.out.find("miss\tcrisis\tthe weather is nice"), std::string::npos);
  EXPECT_NE(r.out.find("false-positive\tcrisis\tharm_to_others\tI want to kill him"), std::string::npos);
}

TEST(DetectCommandTest, EvalErrors) {
  std::string path = ::testing::TempDir() + "bad.tsv";
  std::ofstream(path) << "maybe\ttext\n";
  Outcome r = Detect({"--eval", path}, "");
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(r.err, path + ": line 1: unknown label \"maybe\" (expected crisis, ask or none)\n");
  std::remove(path.c_str());
  Outcome missing = Detect({"--eval", "no/such.tsv"}, "");
  EXPECT_EQ(missing.code, kExitFailure);
  EXPECT_EQ(missing.err, "no/such.tsv: cannot open file\n");
}

TEST(DetectCommandTest, HundredThousandLines) {
  std::string input;
  for (int i = 0; i < 100000; ++i) input += (i % 10 == 0) ? "I want to die\n" : "I slept badly last night\n";
  Outcome r = Detect({}, input);
  EXPECT_EQ(r.code, kExitOk);
  size_t lines = 0, crises = 0;
  for (size_t p = 0; (p = r.out.find('\n', p)) != std::string::npos; ++p) ++lines;
  for (size_t p = 0; (p = r.out.find("crisis\t", p)) != std::string::npos; ++p) ++crises;
  EXPECT_EQ(lines, 100000u);
  EXPECT_EQ(crises, 10000u);
}

}  // namespace
}  // namespace screener::cli
