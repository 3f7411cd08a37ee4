#include "server/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
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
  return {id, {{"id", id}, {"step", step}}};
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

TEST_F(FileStoreTest, SaveAllReportsTheRecordsItCouldNotSave) {
  std::vector<std::string> failed =
      store_->SaveAll({RecordOf("good", 1), RecordOf("../escape", 1), RecordOf("also-good", 1)});
  EXPECT_EQ(failed, std::vector<std::string>{"../escape"});
  EXPECT_EQ(StoredIds(), (std::set<std::string>{"good", "also-good"}));

  fs::remove_all(dir_ / "sessions");  // the state directory vanished
  failed = store_->SaveAll({RecordOf("good", 2), RecordOf("new", 1)});
  EXPECT_EQ(failed, (std::vector<std::string>{"good", "new"}));
}

TEST_F(FileStoreTest, ATempFileLeftByACrashIsIgnoredAndTheOldRecordKept) {
  ASSERT_TRUE(store_->SaveAll({RecordOf("c1", 1)}).empty());
  std::ofstream(dir_ / "sessions" / "c1.json.tmp") << "{\"id\":\"c1\",\"st";  // torn write
  Problems problems;
  auto records = store_->LoadAll(&problems);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("step").get<int>(), 1);
  EXPECT_FALSE(fs::exists(dir_ / "sessions" / "c1.json.tmp"));
}

}  // namespace
}  // namespace screener::server
