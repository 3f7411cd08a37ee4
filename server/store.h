// Where conversations go when they are not in memory: across restarts now,
// across server instances later (a Redis implementation of the same
// interface).
//
// A stored record is a JSON object (see Registry::Snapshot): the
// conversation's Save() (position and answers' effects, never message text),
// the SHA-256 of the current token (never the token), the session id and the
// expiry time. Implementations are called from the registry's persistence
// thread only, but must be safe to call from any one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/result.h"

namespace screener::server {

class ConversationStore {
 public:
  struct Record {
    std::string id;
    nlohmann::json record;
  };

  virtual ~ConversationStore() = default;
  // Replaces the record of `id` atomically: after a crash either the old or
  // the new record is there, whole.
  virtual bool Save(const std::string& id, const nlohmann::json& record) = 0;
  // Saves each record as Save() does; returns the ids that could not be
  // saved (errno tells why for the last failure). Stores that can make a
  // whole round durable at once override it: the persister saves every
  // changed conversation in one call per interval.
  virtual std::vector<std::string> SaveAll(const std::vector<Record>& records);
  // Every stored record. Unreadable ones are reported in `problems` and
  // skipped.
  virtual std::vector<nlohmann::json> LoadAll(Problems* problems) = 0;
  virtual void Remove(const std::string& id) = 0;
  // True if a write succeeds now (a real write where that is the only way to
  // know). The persister probes with it; /readyz reads the persister's view.
  virtual bool Writable() const = 0;
};

// One file per conversation, DIR/sessions/<id>.json, written to a temp file,
// fsynced, renamed over the old one, and the directory fsynced. SaveAll does
// the same for a whole round with one syncfs(2) and one directory fsync in
// place of two fsyncs per record.
class FileStore final : public ConversationStore {
 public:
  // Creates DIR/sessions if needed; fails if it cannot.
  static Result<std::unique_ptr<FileStore>> Open(const std::string& state_dir);

  bool Save(const std::string& id, const nlohmann::json& record) override;
  std::vector<std::string> SaveAll(const std::vector<Record>& records) override;
  std::vector<nlohmann::json> LoadAll(Problems* problems) override;
  void Remove(const std::string& id) override;
  bool Writable() const override;

 private:
  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}
  std::string PathOf(const std::string& id) const;
  std::string dir_;  // .../sessions
};

// In memory, for tests.
class MemoryStore final : public ConversationStore {
 public:
  bool Save(const std::string& id, const nlohmann::json& record) override;
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
