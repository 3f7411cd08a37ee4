#include "server/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <unistd.h>

namespace screener::server {
namespace {

namespace fs = std::filesystem;

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("screener-store-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    auto store = FileStore::Open(dir_.string());
    ASSERT_TRUE(store) << store.error();
    store_ = std::move(store).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::set<std::string> StoredIds() {
    Problems problems;
    std::set<std::string> ids;
    for (const auto& r : store_->LoadAll(&problems)) ids.insert(r.at("id").get<std::string>());
    EXPECT_TRUE(problems.empty());
    return ids;
  }

  fs::path dir_;
  std::unique_ptr<FileStore> store_;
};

ConversationStore::Record RecordOf(const std::string& id, int step) {
  return {id, nlohmann::json{{"id", id}, {"step", step}}.dump()};
}

TEST_F(FileStoreTest, SaveAllWritesEveryRecordAndReplacesOldOnes) {
  std::vector<ConversationStore::Record> round;
  for (int i = 0; i < 50; ++i) round.push_back(RecordOf("c" + std::to_string(i), 1));
  EXPECT_TRUE(store_->SaveAll(round).empty());
  EXPECT_EQ(StoredIds().size(), 50u);

  EXPECT_TRUE(store_->SaveAll({RecordOf("c7", 2)}).empty());
  Problems problems;
  for (const auto& r : store_->LoadAll(&problems)) {
    EXPECT_EQ(r.at("step").get<int>(), r.at("id") == "c7" ? 2 : 1) << r.dump();
  }
  for (const auto& entry : fs::directory_iterator(dir_ / "sessions")) {
    EXPECT_NE(entry.path().extension(), ".tmp") << "no temp file is left behind";
  }
}

TEST_F(FileStoreTest, TheLogIsReadableByTheOwnerOnlyAlsoAfterCompaction) {
  const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
  ASSERT_TRUE(store_->SaveAll({RecordOf("c1", 1)}).empty());
  EXPECT_EQ(fs::status(store_->LogPath()).permissions() & fs::perms::all, owner_only);
  EXPECT_EQ(fs::status(dir_ / "sessions").permissions() & fs::perms::all, fs::perms::owner_all);
  store_->RemoveAll({"c1"});
  auto reopened = FileStore::Open(dir_.string());  // compacts into a new log at its first write
  ASSERT_TRUE(reopened);
  ASSERT_TRUE((*reopened)->SaveAll({RecordOf("c2", 1)}).empty());
  EXPECT_NE((*reopened)->LogPath(), store_->LogPath());
  EXPECT_EQ(fs::status((*reopened)->LogPath()).permissions() & fs::perms::all, owner_only);
}

TEST_F(FileStoreTest, SaveAllReportsTheRecordsItCouldNotSave) {
  std::vector<std::string> failed =
      store_->SaveAll({RecordOf("good", 1), RecordOf("../escape", 1), RecordOf("also-good", 1)});
  EXPECT_EQ(failed, std::vector<std::string>{"../escape"});
  EXPECT_EQ(StoredIds(), (std::set<std::string>{"good", "also-good"}));

  fs::remove_all(dir_ / "sessions");  // the state directory vanished
  failed = store_->SaveAll({RecordOf("good", 2), RecordOf("new", 1)});
  EXPECT_EQ(failed, (std::vector<std::string>{"good", "new"}));
}

TEST_F(FileStoreTest, ATornLastLineIsIgnoredAndCompactedAway) {
  ASSERT_TRUE(store_->SaveAll({RecordOf("c1", 1)}).empty());
  std::ofstream(store_->LogPath(), std::ios::app) << "{\"id\":\"c1\",\"record\":{\"id\":\"c1\",\"st";  // a crash
  auto reopened = FileStore::Open(dir_.string());
  ASSERT_TRUE(reopened);
  Problems problems;
  auto records = (*reopened)->LoadAll(&problems);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("step").get<int>(), 1);
  ASSERT_TRUE((*reopened)->SaveAll({RecordOf("c2", 1)}).empty());
  std::ifstream log((*reopened)->LogPath());
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
  }
  EXPECT_EQ(lines, 2);
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t FilesIn(const fs::path& dir) {
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  return files;
}

TEST_F(FileStoreTest, ARemovedRecordIsErasedInPlaceAtOnce) {
  // Three saves of the secret one: every line it has in the log must go.
  ASSERT_TRUE(store_->SaveAll({RecordOf("secret-one", 1), RecordOf("c2", 1)}).empty());
  ASSERT_TRUE(store_->SaveAll({RecordOf("secret-one", 2)}).empty());
  ASSERT_TRUE(store_->SaveAll({RecordOf("secret-one", 3), RecordOf("c2", 2)}).empty());
  const std::string log = store_->LogPath();
  const uintmax_t size = fs::file_size(log);
  store_->RemoveAll({"secret-one"});
  EXPECT_EQ(store_->LogPath(), log) << "erased without rewriting the log";
  EXPECT_EQ(fs::file_size(log), size);
  std::string bytes = FileBytes(log);
  EXPECT_EQ(bytes.find("secret-one"), std::string::npos);
  EXPECT_NE(bytes.find("c2"), std::string::npos);
  EXPECT_EQ(StoredIds(), std::set<std::string>{"c2"});  // erased lines load without problems
  EXPECT_EQ(FilesIn(dir_ / "sessions"), 1u);
}

TEST_F(FileStoreTest, ARecordWrittenBeforeARestartIsErasedToo) {
  ASSERT_TRUE(store_->SaveAll({RecordOf("secret-one", 1), RecordOf("c2", 1)}).empty());
  ASSERT_TRUE(store_->SaveAll({RecordOf("secret-one", 2)}).empty());
  auto reopened = FileStore::Open(dir_.string());  // knows nothing of where the lines are
  ASSERT_TRUE(reopened);
  (*reopened)->RemoveAll({"secret-one"});
  std::string bytes = FileBytes((*reopened)->LogPath());
  EXPECT_EQ(bytes.find("secret-one"), std::string::npos);
  EXPECT_NE(bytes.find("c2"), std::string::npos);
  EXPECT_EQ(FilesIn(dir_ / "sessions"), 1u) << "the old log is deleted";
}

// Logs written before erasure in place marked a removal with a line.
TEST_F(FileStoreTest, RemovalLinesOfOlderLogsStillRemove) {
  std::ofstream(dir_ / "sessions" / "log-1.jsonl")
      << "{\"id\":\"gone\",\"record\":{\"id\":\"gone\",\"step\":1}}\n"
      << "{\"id\":\"kept\",\"record\":{\"id\":\"kept\",\"step\":1}}\n"
      << "{\"id\":\"gone\",\"removed\":true}\n";
  auto reopened = FileStore::Open(dir_.string());
  ASSERT_TRUE(reopened);
  Problems problems;
  auto records = (*reopened)->LoadAll(&problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("id"), "kept");
  ASSERT_TRUE((*reopened)->SaveAll({RecordOf("new", 1)}).empty());
  EXPECT_EQ(FileBytes((*reopened)->LogPath()).find("gone"), std::string::npos);
}

TEST_F(FileStoreTest, CompactionKeepsTheLogBoundedAndTheLatestRecords) {
  std::vector<ConversationStore::Record> round;
  for (int step = 0; step < 300; ++step) {
    round.clear();
    for (int i = 0; i < 20; ++i) {
      nlohmann::json record{{"id", "c" + std::to_string(i)}, {"step", step}, {"padding", std::string(1000, 'x')}};
      round.push_back({"c" + std::to_string(i), record.dump()});
    }
    ASSERT_TRUE(store_->SaveAll(round).empty());
  }
  EXPECT_LT(fs::file_size(store_->LogPath()), 2 * 20 * 1100 + (1u << 20) + 20 * 1100);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_ / "sessions")) ++files;
  EXPECT_EQ(files, 1u) << "old logs are deleted";
  Problems problems;
  auto records = store_->LoadAll(&problems);
  ASSERT_EQ(records.size(), 20u);
  for (const auto& r : records) EXPECT_EQ(r.at("step").get<int>(), 299);
}

TEST_F(FileStoreTest, AfterACrashMidCompactionTheNewestLogIsTheTruth) {
  ASSERT_TRUE(store_->SaveAll({RecordOf("old", 1)}).empty());
  std::string first = store_->LogPath();
  // A compaction renamed log-2 into place and the crash came before it
  // deleted log-1: log-2 holds everything live.
  std::ofstream(dir_ / "sessions" / "log-2.jsonl") << "{\"id\":\"new\",\"record\":{\"id\":\"new\",\"step\":1}}\n";
  auto reopened = FileStore::Open(dir_.string());
  ASSERT_TRUE(reopened);
  Problems problems;
  auto records = (*reopened)->LoadAll(&problems);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("id"), "new");
  ASSERT_TRUE((*reopened)->SaveAll({RecordOf("newer", 1)}).empty());
  EXPECT_FALSE(fs::exists(first)) << "the stale log is cleaned up by the next write";
}

}  // namespace
}  // namespace screener::server
