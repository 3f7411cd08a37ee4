// The session registry: every conversation the server holds, by token hash
// and by session id, whether a connection is attached to it or it waits to
// be resumed.
//
// Ownership and threads: records are shared (shared_ptr) between the registry
// and the connection attached to them. A record's mutex guards its fields;
// the registry's mutex guards the maps. Lock order: registry, then record;
// code holding a record's lock never calls into the registry. A background
// thread (the persister) saves changed records every `save_interval`,
// deletes forgotten ones from the store at once, and drops detached records
// older than `resume_window`; so no network thread touches the disk for a
// conversation. Window: a crash loses at most the last `save_interval` of
// answers; Stop() saves everything.
//
// At most `max_conversations` records are held (attached or resumable):
// Create refuses beyond it, so a client that starts conversations in a loop
// (or many that drop and leave theirs resumable) cannot grow memory without
// bound. Slots come back as conversations are forgotten, replaced by a new
// start on their connection, or expire. Refusals are counted
// (screener_conversations_refused_total) and logged by the persister at
// most once per save interval.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "dialogue/conversation.h"
#include "dialogue/library.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/store.h"

namespace screener::server {

// A connection that a conversation can be attached to.
class Attachment {
 public:
  virtual ~Attachment() = default;
  // Another connection resumed the conversation. Called from any thread,
  // without locks held; the implementation posts to its own strand.
  virtual void TakenOver() = 0;
};

struct ConversationRecord {
  explicit ConversationRecord(std::string session_id) : id(std::move(session_id)) {}

  const std::string id;  // non-secret: logs, events, file names

  std::mutex mu;  // guards everything below
  std::string token_hash;
  std::optional<Conversation> conversation;
  std::weak_ptr<Attachment> attached;  // empty when detached
  const Attachment* attached_raw = nullptr;  // identity of `attached`, for comparisons
  int64_t last_answered = -1;          // the last client message id answered (-1: none)
  std::chrono::system_clock::time_point detached_at{};
  bool dirty = false;  // changed since the last save
  bool gone = false;   // forgotten, replaced or expired: no longer in the registry
};

class Registry {
 public:
  Registry(std::shared_ptr<const ScriptLibrary> library, ConversationStore& store, Metrics& metrics, Logger& log,
           Millis resume_window, Millis save_interval, size_t max_conversations);
  ~Registry();  // Stop()s

  // Loads saved conversations (dropping expired and unreadable ones) and
  // starts the persister thread. Returns how many were loaded.
  size_t Start();
  // Saves every record (attached ones as if detached now) and stops the
  // persister. Idempotent.
  void Stop();

  struct Handle {
    std::shared_ptr<ConversationRecord> record;
    std::string token;  // the new token, given to the client once
  };

  // A new conversation attached to `to`; nullopt when the registry already
  // holds max_conversations.
  std::optional<Handle> Create(Conversation conversation, std::weak_ptr<Attachment> to, const Attachment* self);

  // Takes up the conversation of `token`: rotates the token, attaches it to
  // `to`, and tells the connection it was attached to (if any) that it was
  // taken over. nullopt if the token is unknown, expired or forgotten.
  std::optional<Handle> Resume(std::string_view token, std::weak_ptr<Attachment> to, const Attachment* self);

  // The connection `self` dropped: the conversation becomes resumable for
  // the resume window (and is saved soon).
  void Detach(const std::shared_ptr<ConversationRecord>& record, const Attachment* self);

  // Deletes the conversation from memory now and from the store within
  // milliseconds.
  void Forget(const std::shared_ptr<ConversationRecord>& record);

  // Test hook: saves dirty records and processes removals now, returning
  // when done.
  void Flush();

  size_t size() const;

  // False from a save round that failed (disk full, state dir gone; a round
  // with nothing to save probes the store) until a round that succeeds. For
  // /readyz, which so never touches the disk itself. While saves fail,
  // conversations go on in memory, failed records are retried every save
  // interval, and the failure is logged once per interval
  // (store_save_failed), then store_recovered once.
  bool saves_ok() const { return saves_ok_.load(std::memory_order_relaxed); }

 private:
  static void ReleaseFreedMemory();
  void Run();
  void SaveDirty(bool all);
  void Sweep();
  void LogRefusals();  // persister: what Create refused since the last round
  void RemoveLocked(const std::shared_ptr<ConversationRecord>& record);  // registry mu_ held
  // The record to store (server/saved_record.h); record mu held.
  std::string Snapshot(ConversationRecord& record, std::chrono::system_clock::time_point now);

  std::shared_ptr<const ScriptLibrary> library_;
  ConversationStore& store_;
  Metrics& metrics_;
  Logger& log_;
  const Millis resume_window_;
  const Millis save_interval_;
  const size_t max_conversations_;
  uint64_t refusals_logged_ = 0;  // persister thread only

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<ConversationRecord>> by_hash_;
  std::unordered_map<std::string, std::shared_ptr<ConversationRecord>> by_id_;

  std::mutex work_mu_;  // guards the persister's inputs below
  std::condition_variable work_cv_;
  std::deque<std::string> removals_;
  bool stopping_ = false;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;
  std::condition_variable flush_cv_;
  std::atomic<bool> saves_ok_{true};
  std::thread thread_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace screener::server
