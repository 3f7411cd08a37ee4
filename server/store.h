// Where conversations go when they are not in memory: across restarts now,
// across server instances later (a Redis implementation of the same
// interface).
//
// A stored record is a JSON object (server/saved_record.h): the
// conversation's Save() (position and answers' effects, never message text),
// the SHA-256 of the current token (never the token), the session id and the
// expiry time. Stores are given it as text and hand it back parsed. Implementations are called from the registry's persistence
// thread only, but must be safe to call from any one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/result.h"

namespace screener::server {

class ConversationStore {
 public:
  struct Record {
    std::string id;
    std::string json;  // one JSON object, as SavedRecord writes it
  };

  virtual ~ConversationStore() = default;
  // Replaces the record of `id` atomically: after a crash either the old or
  // the new record is there, whole.
  virtual bool Save(const std::string& id, const std::string& json) = 0;
  // Saves each record as Save() does; returns the ids that could not be
  // saved (errno tells why for the last failure). Stores that can make a
  // whole round durable at once override it: the persister saves every
  // changed conversation in one call per interval.
  virtual std::vector<std::string> SaveAll(const std::vector<Record>& records);
  // Every stored record. Unreadable ones are reported in `problems` and
  // skipped.
  virtual std::vector<nlohmann::json> LoadAll(Problems* problems) = 0;
  virtual void Remove(const std::string& id) = 0;
  // Removes each id as Remove() does; stores override it to batch.
  virtual void RemoveAll(const std::vector<std::string>& ids);
  // True if a write succeeds now (a real write where that is the only way to
  // know). The persister probes with it; /readyz reads the persister's view.
  virtual bool Writable() const = 0;
};

// Conversations in one append-only log, DIR/sessions/log-<N>.jsonl, a line
// per saved record. A round of saves is one write and one fdatasync however
// many conversations changed (a file per conversation cost two fsyncs and
// four metadata operations each: 40x the CPU).
//
// A removed conversation (forget, expiry, replaced) is erased in place at
// once: every line it has in the log is overwritten with spaces (the store
// keeps where each live conversation's lines are) and fdatasync'd, so it is
// gone from the disk within milliseconds without rewriting the log. Loading
// skips blank lines. The log is compacted, the latest line of each live
// conversation rewritten to log-<N+1> (temp file, fsync, rename, directory
// fsync) and the old log deleted, when it has grown to twice its compacted
// size plus 1 MiB. A crash leaves at worst a torn last line, which loading
// ignores and the next write compacts away. An erasure that fails (an I/O
// error) is retried every round; until it succeeds, a restart would bring
// the conversation back.
class FileStore final : public ConversationStore {
 public:
  // Creates DIR/sessions if needed; fails if it cannot. Opening only reads:
  // a second store on the same directory (a test, a tool) disturbs nothing.
  static Result<std::unique_ptr<FileStore>> Open(const std::string& state_dir);

  bool Save(const std::string& id, const std::string& json) override;
  std::vector<std::string> SaveAll(const std::vector<Record>& records) override;
  std::vector<nlohmann::json> LoadAll(Problems* problems) override;
  void Remove(const std::string& id) override;
  void RemoveAll(const std::vector<std::string>& ids) override;
  bool Writable() const override;

  // The active log, for tests and operators.
  std::string LogPath() const;

 private:
  // Where one line sits in the active log, its newline included.
  struct Span {
    uint64_t offset;
    uint64_t length;
  };

  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}
  std::string LogPathOf(uint64_t sequence) const;
  bool Ready();  // compacts first if the log is torn, stale or not yet indexed
  bool Append(const std::string& lines);
  bool Compact();
  void CompactIfDue();
  void EraseRemoved();

  std::string dir_;  // .../sessions
  uint64_t sequence_ = 1;  // the active log is log-<sequence_>.jsonl
  uint64_t bytes_ = 0;            // its size
  uint64_t compacted_bytes_ = 0;  // its size after the last compaction
  bool must_compact_ = false;  // a torn tail, stale files, or a failed write
  // Every line of each live conversation in the active log, oldest first.
  // Built by the first compaction after opening a log this store did not
  // write (indexed_ false until then).
  std::unordered_map<std::string, std::vector<Span>> lines_of_;
  bool indexed_ = true;
  std::vector<std::string> to_erase_;  // removed, not yet erased (a failure)
};

// In memory, for tests.
class MemoryStore final : public ConversationStore {
 public:
  bool Save(const std::string& id, const std::string& json) override;
  std::vector<nlohmann::json> LoadAll(Problems* problems) override;
  void Remove(const std::string& id) override;
  bool Writable() const override { return true; }

 private:
  std::mutex mu_;
  std::map<std::string, nlohmann::json> records_;
};

// Writes `data` to `path` crash-safely (temp file, fsync, rename, fsync dir).
bool WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace screener::server
