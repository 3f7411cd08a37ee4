// The escalation log's file: whole lines or nothing, even when a write fails
// halfway or a crash tore the last line, and always the file at its path.
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "server/append_log.h"
#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

namespace fs = std::filesystem;

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(AppendLog, ATornLastLineIsEndedBeforeTheNextLine) {
  TempDir dir;
  std::string path = dir.path() + "/log.jsonl";
  // What a crash in the middle of a write leaves.
  WriteText(path, "{\"id\":\"a\"}\n{\"id\":\"b\",\"ti");
  AppendLog log(path);
  ASSERT_EQ(log.Open(), "");
  ASSERT_EQ(log.Append("{\"id\":\"c\"}\n"), "");
  EXPECT_EQ(ReadFile(path), "{\"id\":\"a\"}\n{\"id\":\"b\",\"ti\n{\"id\":\"c\"}\n");
  ASSERT_EQ(log.Append("{\"id\":\"d\"}\n"), "");
  EXPECT_EQ(ReadFile(path), "{\"id\":\"a\"}\n{\"id\":\"b\",\"ti\n{\"id\":\"c\"}\n{\"id\":\"d\"}\n");
}

TEST(AppendLog, CreatesTheFileOwnerOnly) {
  TempDir dir;
  std::string path = dir.path() + "/log.jsonl";
  AppendLog log(path);
  ASSERT_EQ(log.Open(), "");
  ASSERT_EQ(log.Append("{\"id\":\"a\"}\n"), "");
  EXPECT_EQ(ReadFile(path), "{\"id\":\"a\"}\n");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST(AppendLog, FollowsItsPathWhenTheFileIsMovedAway) {
  TempDir dir;
  std::string path = dir.path() + "/log.jsonl";
  AppendLog log(path);
  ASSERT_EQ(log.Open(), "");
  ASSERT_EQ(log.Append("a\n"), "");
  fs::rename(path, path + ".old");
  ASSERT_EQ(log.Append("b\n"), "");
  EXPECT_EQ(ReadFile(path + ".old"), "a\n");
  EXPECT_EQ(ReadFile(path), "b\n") << "written where the next start reads, not into the moved file";
}

TEST(AppendLog, FailsWhileItsPathIsADirectoryAndWritesWhenTheFileIsBack) {
  TempDir dir;
  std::string path = dir.path() + "/log.jsonl";
  AppendLog log(path);
  ASSERT_EQ(log.Open(), "");
  ASSERT_EQ(log.Append("a\n"), "");
  fs::rename(path, path + ".away");
  fs::create_directory(path);
  EXPECT_EQ(log.Append("b\n"), "open: Is a directory");  // as root too
  fs::remove(path);
  fs::rename(path + ".away", path);
  ASSERT_EQ(log.Append("b\n"), "");
  EXPECT_EQ(ReadFile(path), "a\nb\n");
}

// A file size limit stops a write halfway, as a full disk does: what the
// failed append wrote is cut off again, so the retry leaves whole lines.
TEST(AppendLog, AWriteThatFailsHalfwayLeavesNothingBehind) {
  TempDir dir;
  std::string path = dir.path() + "/log.jsonl";
  AppendLog log(path);
  ASSERT_EQ(log.Open(), "");
  ASSERT_EQ(log.Append("{\"id\":\"a\"}\n"), "");
  const std::string line = "{\"id\":\"b\",\"padding\":\"" + std::string(100, 'x') + "\"}\n";

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  rlimit limit = saved;
  limit.rlim_cur = fs::file_size(path) + 20;  // room for 20 of the line's bytes
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  std::string why = log.Append(line);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(why, "write: File too large");
  EXPECT_EQ(ReadFile(path), "{\"id\":\"a\"}\n");
  ASSERT_EQ(log.Append(line), "");
  EXPECT_EQ(ReadFile(path), "{\"id\":\"a\"}\n" + line);
}

}  // namespace
}  // namespace screener::server::testing
