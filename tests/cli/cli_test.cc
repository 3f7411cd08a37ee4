// The screener command end to end: the real binary, real scripts, real
// streams and exit codes, as a script author would use it.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("screener-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunResult Screener(const std::string& args, const std::string& input = "") {
    std::ofstream(dir_ / "in") << input;
    std::string command = std::string(SCREENER_BINARY_DIR) + "/screener " + args + " < " + (dir_ / "in").string() +
                          " > " + (dir_ / "out").string() + " 2> " + (dir_ / "err").string();
    int status = std::system(command.c_str());
    RunResult run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = Slurp(dir_ / "out");
    run.err = Slurp(dir_ / "err");
    return run;
  }

  fs::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }

  fs::path dir_;
};

TEST_F(CliTest, NoArgumentsIsAUsageError) {
  RunResult r = Screener("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: screener <command>"), std::string::npos) << r.err;
}

TEST_F(CliTest, UnknownCommandSuggestsTheClosest) {
  RunResult r = Screener("chta");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "screener: unknown command 'chta', did you mean 'chat'?");
}

TEST_F(CliTest, EverySubcommandHasHelp) {
  for (const char* command : {"chat", "test", "lint", "graph", "detect", "check-safety"}) {
    RunResult r = Screener(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find(std::string("usage: screener ") + command), std::string::npos) << command << r.out;
  }
}

TEST_F(CliTest, ChatReadsLinesFromAPipe) {
  RunResult r = Screener("chat scripts/emotional-numbness.json", "yes\nyes\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("> yes\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[y] Yes  [n] No"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(question 1 of 4)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(question 2 of 4)"), std::string::npos) << r.out;
}

TEST_F(CliTest, ChatShowsCrisisResourcesMidQuestion) {
  RunResult r = Screener("chat scripts/emotional-numbness.json", "yes\nI want to kill myself\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[crisis: help is available now]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("988"), std::string::npos) << r.out;
  RunResult gb = Screener("chat scripts/emotional-numbness.json --region GB", "I want to kill myself\n");
  EXPECT_NE(gb.out.find("116 123"), std::string::npos) << gb.out;
}

TEST_F(CliTest, ChatNeedsAScript) {
  RunResult r = Screener("chat");
  EXPECT_EQ(r.exit_code, 2);
  RunResult missing = Screener("chat no-such.json");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "no-such.json: cannot open file\n");
}

TEST_F(CliTest, LintPassesTheShippedScripts) {
  RunResult r = Screener("lint scripts/emotional-numbness.json scripts/phq9.json scripts/gad7.json");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "lint: 3 scripts OK\n");
}

TEST_F(CliTest, LintReportsFilePointerAndReason) {
  // A copy of a shipped script with a misspelt field and a broken target,
  // next to the crisis files it names.
  fs::create_directories(dir_ / "crisis");
  for (const auto& f : fs::directory_iterator("scripts/crisis")) fs::copy(f.path(), dir_ / "crisis" / f.path().filename());
  std::string text = Slurp("scripts/emotional-numbness.json");
  text.replace(text.find("\"title\""), 7, "\"titel\"");
  fs::path bad = Write("bad.json", text);
  RunResult r = Screener("lint " + bad.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(bad.string() + ": /titel: unknown field \"titel\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lint: 2 problems in 1 script\n"), std::string::npos) << r.out;  // the field, and title missing
}

TEST_F(CliTest, GraphDrawsDotAndMermaid) {
  RunResult dot = Screener("graph scripts/phq9.json");
  EXPECT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph \"phq9\" {", 0), 0u) << dot.out;
  RunResult mermaid = Screener("graph --mermaid scripts/phq9.json");
  EXPECT_EQ(mermaid.out.rfind("flowchart TD\n", 0), 0u);
  RunResult bad = Screener("graph --svg scripts/phq9.json");
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_F(CliTest, TestPassesAGoldenTranscriptAndFailsWithADiff) {
  fs::path good = Write("good.txt", "state: intro\n> yes\nprogress: 1/4\n");
  fs::path bad = Write("bad.txt", "state: intro\n> yes\nprogress: 2/4\n");
  RunResult pass = Screener("test scripts/emotional-numbness.json " + good.string());
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  EXPECT_EQ(pass.out, "test: 1 passed, 0 failed\n");
  RunResult fail = Screener("test scripts/emotional-numbness.json " + good.string() + " " + bad.string());
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_NE(fail.out.find(bad.string() + ":2: turn 1 (> yes) differs\n  - progress: 2/4\n"), std::string::npos)
      << fail.out;
  EXPECT_NE(fail.out.find("test: 1 passed, 1 failed\n"), std::string::npos);
}

TEST_F(CliTest, TestUpdateRewritesTheTranscript) {
  fs::path t = Write("t.txt", "# header kept\n> yes\n");
  RunResult r = Screener("test --update scripts/emotional-numbness.json " + t.string());
  EXPECT_EQ(r.exit_code, 0);
  std::string text = Slurp(t);
  EXPECT_EQ(text.rfind("# header kept\nregion: US\n\nbot: ", 0), 0u) << text;
  EXPECT_NE(text.find("> yes\nbot: "), std::string::npos);
  EXPECT_EQ(Screener("test scripts/emotional-numbness.json " + t.string()).exit_code, 0);
}

TEST_F(CliTest, CheckSafetyFindsAScriptThatCarriesOnAfterCrisis) {
  // With no crisis lines the command refuses to prove anything.
  fs::path empty = Write("empty.tsv", "none\ten\thello\n");
  RunResult r = Screener("check-safety scripts/gad7.json --corpus " + empty.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no crisis lines to inject"), std::string::npos) << r.err;
  RunResult usage = Screener("check-safety scripts/gad7.json");
  EXPECT_EQ(usage.exit_code, 2);
  fs::path corpus = Write("c.tsv", "crisis\ten\tI want to kill myself\nnone\ten\tthis traffic is killing me\n");
  RunResult ok = Screener("check-safety scripts/gad7.json --corpus " + corpus.string());
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find(" failures\n"), std::string::npos);
}

}  // namespace
