#include "server/registry.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/saved_record.h"
#include "server/thread_name.h"
#include "server/token.h"

namespace screener::server {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

int64_t ToUnixMs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Clock::time_point FromUnixMs(int64_t ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

}  // namespace

Registry::Registry(std::shared_ptr<const ScriptLibrary> library, ConversationStore& store, Metrics& metrics,
                   Logger& log, Millis resume_window, Millis save_interval, size_t max_conversations)
    : library_(std::move(library)),
      store_(store),
      metrics_(metrics),
      log_(log),
      resume_window_(resume_window),
      save_interval_(save_interval),
      max_conversations_(max_conversations) {}

Registry::~Registry() { Stop(); }

size_t Registry::Start() {
  Problems problems;
  std::vector<json> saved = store_.LoadAll(&problems);
  for (const Problem& p : problems) log_.Warn("store_problem", {{"problem", p.ToString()}});
  size_t loaded = 0;
  auto now = Clock::now();
  std::vector<std::string> dropped;
  for (const json& r : saved) {
    std::string id = r.value("id", "");
    auto drop = [&](const char* why) {
      log_.Warn("session_not_restored", {{"session", id}, {"reason", why}});
      if (!id.empty()) dropped.push_back(id);
    };
    if (!r.contains("expires_at") || !r["expires_at"].is_number_integer() || !r.contains("token_hash") ||
        !r["token_hash"].is_string() || !r.contains("conversation") || id.empty()) {
      drop("malformed");
      continue;
    }
    auto expires = FromUnixMs(r["expires_at"].get<int64_t>());
    if (expires <= now) {
      drop("expired");
      continue;
    }
    std::string script_id = r["conversation"].value("script", "");
    auto script = library_->Find(script_id);
    if (!script) {
      drop("script no longer served");
      continue;
    }
    Result<Conversation> restored = Conversation::Restore(script, r["conversation"]);
    if (!restored) {
      drop("conversation does not restore");
      continue;
    }
    auto record = std::make_shared<ConversationRecord>(id);
    record->token_hash = r["token_hash"].get<std::string>();
    record->conversation.emplace(std::move(*restored));
    record->last_answered = r.value("last_answered", int64_t{-1});
    // Keep the saved expiry: detached_at is when the window started.
    record->detached_at = expires - resume_window_;
    std::lock_guard lock(mu_);
    by_hash_[record->token_hash] = record;
    by_id_[record->id] = record;
    ++loaded;
  }
  if (!dropped.empty()) store_.RemoveAll(dropped);
  metrics_.conversations_live.store(static_cast<int64_t>(size()));
  {
    std::lock_guard lock(work_mu_);
    started_ = true;
  }
  thread_ = std::thread([this] {
    NameThisThread("persister");
    Run();
  });
  return loaded;
}

void Registry::Stop() {
  {
    std::lock_guard lock(work_mu_);
    if (stopped_ || !started_) {
      stopped_ = true;
      return;
    }
    stopped_ = true;
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<Registry::Handle> Registry::Create(Conversation conversation, std::weak_ptr<Attachment> to,
                                                 const Attachment* self) {
  Handle h;
  h.token = NewToken();
  h.record = std::make_shared<ConversationRecord>(NewSessionId());
  h.record->token_hash = TokenHash(h.token);
  h.record->conversation.emplace(std::move(conversation));
  h.record->attached = std::move(to);
  h.record->attached_raw = self;
  h.record->dirty = true;
  std::lock_guard lock(mu_);
  // Counted under the same lock as the insert: concurrent starts cannot
  // overshoot. Restored conversations count too (a lowered cap refuses
  // starts until enough of them have gone).
  if (by_id_.size() >= max_conversations_) {
    metrics_.conversations_refused++;
    return std::nullopt;
  }
  by_hash_[h.record->token_hash] = h.record;
  by_id_[h.record->id] = h.record;
  metrics_.conversations_live.store(static_cast<int64_t>(by_id_.size()));
  return h;
}

std::optional<Registry::Handle> Registry::Resume(std::string_view token, std::weak_ptr<Attachment> to,
                                                 const Attachment* self) {
  std::string hash = TokenHash(token);
  std::shared_ptr<Attachment> previous;
  Handle h;
  {
    std::lock_guard lock(mu_);
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) return std::nullopt;
    std::shared_ptr<ConversationRecord> record = it->second;
    std::lock_guard record_lock(record->mu);
    if (!ConstantTimeEquals(record->token_hash, hash) || record->gone) return std::nullopt;
    bool attached = record->attached_raw != nullptr && !record->attached.expired();
    if (!attached && Clock::now() - record->detached_at > resume_window_) {
      RemoveLocked(record);
      metrics_.conversations_expired++;
      return std::nullopt;
    }
    if (attached && record->attached_raw != self) previous = record->attached.lock();
    h.token = NewToken();
    by_hash_.erase(it);
    record->token_hash = TokenHash(h.token);
    by_hash_[record->token_hash] = record;
    record->attached = std::move(to);
    record->attached_raw = self;
    record->dirty = true;
    h.record = record;
  }
  if (previous) previous->TakenOver();
  return h;
}

void Registry::Detach(const std::shared_ptr<ConversationRecord>& record, const Attachment* self) {
  std::lock_guard lock(record->mu);
  if (record->attached_raw != self) return;  // taken over: the new connection owns it
  record->attached.reset();
  record->attached_raw = nullptr;
  record->detached_at = Clock::now();
  record->dirty = true;
}

void Registry::Forget(const std::shared_ptr<ConversationRecord>& record) {
  {
    std::lock_guard lock(mu_);
    std::lock_guard record_lock(record->mu);
    if (record->gone) return;
    RemoveLocked(record);
  }
  work_cv_.notify_all();
}

void Registry::RemoveLocked(const std::shared_ptr<ConversationRecord>& record) {
  record->gone = true;
  record->attached.reset();
  record->attached_raw = nullptr;
  by_hash_.erase(record->token_hash);
  by_id_.erase(record->id);
  metrics_.conversations_live.store(static_cast<int64_t>(by_id_.size()));
  std::lock_guard lock(work_mu_);
  removals_.push_back(record->id);
}

size_t Registry::size() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
}

std::string Registry::Snapshot(ConversationRecord& record, Clock::time_point now) {
  // An attached conversation's window starts when it is saved: after a
  // crash or a shutdown its connection is gone from that moment.
  bool attached = record.attached_raw != nullptr && !record.attached.expired();
  Clock::time_point window_start = attached ? now : record.detached_at;
  return SavedRecord(record.id, record.token_hash, ToUnixMs(window_start + resume_window_), record.last_answered,
                     *record.conversation);
}

void Registry::SaveDirty(bool all) {
  std::vector<std::shared_ptr<ConversationRecord>> records;
  {
    std::lock_guard lock(mu_);
    records.reserve(by_id_.size());
    for (const auto& [id, r] : by_id_) records.push_back(r);
  }
  std::vector<ConversationStore::Record> snapshots;
  const Clock::time_point now = Clock::now();
  for (const auto& r : records) {
    std::lock_guard lock(r->mu);
    if (r->gone || (!r->dirty && !all) || !r->conversation) continue;
    snapshots.push_back({r->id, Snapshot(*r, now)});
    r->dirty = false;
    // A round can be 10,000 snapshots (tens of milliseconds). The kernel
    // lets a niced thread finish its time slice, milliseconds, before a
    // network thread on the same core runs again: step aside now and then.
    if (snapshots.size() % 32 == 0) std::this_thread::yield();
  }
  std::vector<std::string> failed_ids = store_.SaveAll(snapshots);
  const size_t failed = failed_ids.size();
  const int error = failed > 0 ? errno : 0;
  if (failed > 0) {
    std::lock_guard lock(mu_);
    for (const std::string& id : failed_ids) {
      if (auto it = by_id_.find(id); it != by_id_.end()) {
        std::lock_guard record_lock(it->second->mu);
        it->second->dirty = true;  // try again next round
      }
    }
  }
  // Nothing to save: probe, so readiness also follows a disk that filled up
  // or came back while no conversation changed (one small write per interval).
  bool ok = failed == 0 && (!snapshots.empty() || store_.Writable());
  const int why = failed > 0 ? error : errno;
  // The line is logged before /readyz changes, so whoever sees the change
  // (an operator, a test) also finds the reason in the log.
  if (!ok) {
    // One line per round, however many conversations: a full disk must not
    // also flood the log.
    log_.Error("store_save_failed", {{"failed", failed},
                                     {"of", snapshots.size()},
                                     {"error", why ? std::strerror(why) : "unknown"},
                                     {"retry_in_ms", save_interval_.count()}});
    saves_ok_ = false;
  } else if (!saves_ok_) {
    log_.Info("store_recovered", {{"saved", snapshots.size()}});
    saves_ok_ = true;
  }
}

void Registry::Sweep() {
  auto now = Clock::now();
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<ConversationRecord>> expired;
  for (const auto& [id, r] : by_id_) {
    std::lock_guard record_lock(r->mu);
    bool attached = r->attached_raw != nullptr && !r->attached.expired();
    if (!attached && now - r->detached_at > resume_window_) expired.push_back(r);
  }
  for (const auto& r : expired) {
    std::lock_guard record_lock(r->mu);
    RemoveLocked(r);
    metrics_.conversations_expired++;
  }
}

void Registry::LogRefusals() {
  uint64_t refused = metrics_.conversations_refused.load();
  if (refused == refusals_logged_) return;
  log_.Warn("conversations_refused", {{"refused", refused - refusals_logged_},
                                      {"live", size()},
                                      {"max_conversations", max_conversations_}});
  refusals_logged_ = refused;
}

// A save round of thousands of conversations builds megabytes of snapshots
// and log lines and frees them again; glibc keeps such freed memory in the
// persister's arena, where it would count against every connection's share
// of the server's memory. Give it back to the system after each round.
void Registry::ReleaseFreedMemory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

void Registry::Run() {
  // Background work: when it shares a core with a network thread, the
  // network thread must win, or a round of snapshots of thousands of
  // conversations shows up as reply latency. Linux gives threads their own
  // nice value; failure only loses the preference.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  auto next_save = std::chrono::steady_clock::now() + save_interval_;
  for (;;) {
    std::deque<std::string> removals;
    bool stopping = false;
    uint64_t flush_target = 0;
    {
      std::unique_lock lock(work_mu_);
      work_cv_.wait_until(lock, next_save, [&] {
        return stopping_ || !removals_.empty() || flush_requested_ > flush_done_;
      });
      stopping = stopping_;
      flush_target = flush_requested_;
    }
    bool due = std::chrono::steady_clock::now() >= next_save;
    if (due || stopping || flush_target > flush_done_) {
      Sweep();
      SaveDirty(stopping);
      LogRefusals();
      ReleaseFreedMemory();
      next_save = std::chrono::steady_clock::now() + save_interval_;
    }
    // Removals after saves: a snapshot taken before a forget is written
    // before its removal, never after.
    {
      std::lock_guard lock(work_mu_);
      removals.swap(removals_);
    }
    if (!removals.empty()) store_.RemoveAll({removals.begin(), removals.end()});
    {
      std::lock_guard lock(work_mu_);
      if (flush_target > flush_done_) flush_done_ = flush_target;
    }
    flush_cv_.notify_all();
    if (stopping) return;
  }
}

void Registry::Flush() {
  std::unique_lock lock(work_mu_);
  if (!started_ || stopping_) return;
  uint64_t target = ++flush_requested_;
  work_cv_.notify_all();
  flush_cv_.wait(lock, [&] { return flush_done_ >= target || stopping_; });
}

}  // namespace screener::server
