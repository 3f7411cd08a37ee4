// Conversations and escalations in Redis, for several server instances
// behind one load balancer (--store redis://HOST:PORT/DB; docs/deploy.md).
//
// Keys (prefix "screener:"):
//   conv:<session id>     hash {version, record}; record is the JSON of
//                         docs/server.md's saved conversation. PX = resume window.
//   token:<token sha256>  the session id. PX = resume window.
//   lock:<session id>     a fencing value while one instance advances the
//                         conversation (SET NX PX, at most the store timeout
//                         x 2; released by a compare-and-delete script).
//   escalations           a stream; consumer group "webhook", one consumer per
//                         instance.
//
// Every turn is saved before its reply is sent: take the lock, then a script
// that writes only if the lock still holds our fencing value and the stored
// version is the one this connection last saw (so a conversation resumed on
// another instance meanwhile is not overwritten: this connection was taken
// over), then release the lock. Resuming reads the record by token on any
// instance, rotates the token the same way, and restores it in memory.
//
// Every operation runs on the RedisPool's workers and calls back there once,
// with kUnavailable if Redis did not answer within the store timeout.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "server/escalation.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/redis.h"
#include "server/registry.h"
#include "server/store.h"

namespace screener::server {

enum class RedisStatus { kOk, kConflict, kNotFound, kUnavailable };

class RedisSessions final : public ConversationStore {
 public:
  RedisSessions(RedisPool& pool, Millis resume_window, Metrics& metrics, Logger& log);

  // ConversationStore: the registry's persister has nothing to do here
  // (conversations are saved per turn); Writable() is Redis's health.
  bool Save(const std::string&, const std::string&) override { return true; }
  std::vector<nlohmann::json> LoadAll(Problems*) override { return {}; }
  void Remove(const std::string&) override {}
  bool Writable() const override { return pool_.healthy(); }

  struct Saved {
    RedisStatus status = RedisStatus::kUnavailable;
    int64_t version = 0;  // the new version when kOk
  };
  // Writes `record` if the stored version is `expected` (0: must not exist),
  // moving the token index from `old_hash` to `new_hash` (equal: unchanged).
  void Save(const std::string& id, int64_t expected, std::string record, const std::string& new_hash,
            const std::string& old_hash, std::function<void(Saved)> done);

  struct Loaded {
    RedisStatus status = RedisStatus::kUnavailable;
    nlohmann::json record;  // with token_hash = new_hash
    int64_t version = 0;
  };
  // The conversation of the token whose hash is `hash`, its token rotated to
  // `new_hash` (kNotFound: unknown or expired).
  void Resume(const std::string& hash, const std::string& new_hash, std::function<void(Loaded)> done);

  // Deletes the conversation and its token if its version is `expected`
  // (kConflict: it moved on elsewhere).
  void Forget(const std::string& id, const std::string& hash, int64_t expected,
              std::function<void(RedisStatus)> done);

  // The connection dropped: the resume window starts now (best effort).
  void Touch(const std::string& id, const std::string& hash);

  // The connections of this instance, so a resume here closes the one that
  // had the conversation at once (on other instances it learns on its next
  // save). Returns the attachment to tell it was taken over, if any.
  std::shared_ptr<Attachment> Attach(const std::string& id, std::weak_ptr<Attachment> to, const Attachment* self);
  void Detach(const std::string& id, const Attachment* self);

 private:
  struct Local {
    std::weak_ptr<Attachment> to;
    const Attachment* raw = nullptr;
  };
  // Takes the lock of `id`, runs `body`, releases the lock. kUnavailable if
  // the lock could not be taken before the deadline.
  RedisStatus Locked(RedisConnection& c, const std::string& id, std::chrono::steady_clock::time_point deadline,
                     const std::function<RedisStatus(const std::string& fence)>& body);
  Saved SaveNow(RedisConnection& c, const std::string& id, const std::string& fence, int64_t expected,
                const std::string& record, const std::string& new_hash, const std::string& old_hash);

  RedisPool& pool_;
  const Millis resume_window_;
  Metrics& metrics_;
  Logger& log_;
  const std::string instance_;  // part of every fencing value
  std::atomic<uint64_t> fences_{0};
  std::mutex mu_;
  std::unordered_map<std::string, Local> local_;
};

// The escalation outbox in a Redis stream. Submit() XADDs the event (via the
// pool; if Redis fails the event goes to the local EscalationSink instead,
// so it is never lost). With a webhook URL, a delivery thread of its own
// reads the stream in the consumer group "webhook" (XREADGROUP), POSTs each
// event and XACKs it; events another instance read but did not acknowledge
// within `--escalation-claim-idle` (it died) are taken over with XAUTOCLAIM
// and delivered here. While retrying, this instance re-claims its events so
// no one else takes them. Delivery is at least once: an instance that dies
// between the POST and the XACK gets its event delivered again.
class RedisOutbox {
 public:
  RedisOutbox(RedisPool& pool, const ServerOptions& options, Metrics& metrics, Logger& log,
              EscalationSink& fallback);
  ~RedisOutbox();  // Stop()s

  void Start();
  void Stop();

  // Same contract as EscalationSink::Submit.
  void Submit(nlohmann::json event, std::function<void(bool written)> done);

  const std::string& consumer() const { return consumer_; }

 private:
  void Run();
  bool EnsureGroup(RedisConnection& c);
  // Delivers one stream entry; returns when it is acknowledged, lost to
  // another consumer, or we are stopping.
  void Deliver(RedisConnection& c, const std::string& entry_id, const std::string& data);
  bool Sleep(Millis d);  // false when stopping

  RedisPool& pool_;
  const ServerOptions& options_;
  Metrics& metrics_;
  Logger& log_;
  EscalationSink& fallback_;
  const std::string consumer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace screener::server
