// Escalation: every crisis reply becomes an event that a person on the
// operator's side can act on.
//
// An event is {"id","time","session","script","state","categories",
// "about_someone_else","region"} (plus "text" only when the operator turned
// --escalation-include-text on). It is appended to STATE_DIR/escalations.jsonl
// and fsynced before the crisis reply is sent (Submit's callback runs after
// the fsync; concurrent events share one fsync). With a webhook URL, a
// delivery thread POSTs each event as JSON, in order, retrying with
// exponential backoff; a delivered event gets a second line
// {"delivered":"<id>","time":...}. On start, events without such a line are
// delivered again, so none is lost (delivery is at least once).
//
// A write that fails (disk full, the log's path unusable) never holds the
// crisis reply back, and the event still goes to the webhook from memory.
// Its line, like a delivered mark that could not be written, is kept in
// order and written before anything newer as soon as a write succeeds again:
// retried every `--save-interval` and with every new event. At most
// kMaxUnwritten lines wait (docs/reliability.md); past that a new event is
// replied to and sent to the webhook but not kept for the log
// (screener_escalations_dropped_total, logged once per episode). Ids and
// order are the ones the events were given.
//
// Thread-safe. Two threads of its own: the log writer and the webhook sender.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "dialogue/result.h"
#include "server/append_log.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/options.h"

namespace screener::server {

class WebhookSender;

class EscalationSink {
 public:
  // Lines (events and delivered marks) kept while the log cannot be written.
  // An event line is ~250 bytes, up to --max-frame more with
  // --escalation-include-text: about 2.5 MiB when full, ~45 MiB with text
  // at the default --max-frame.
  static constexpr size_t kMaxUnwritten = 10'000;

  EscalationSink(std::string log_path, const ServerOptions& options, Metrics& metrics, Logger& log);
  ~EscalationSink();  // Stop()s

  // Opens the log, finds undelivered events, starts the threads.
  Problems Start();
  // Writes what is queued, stops delivery (undelivered events stay in the
  // log for the next start). Lines that still cannot be written are lost to
  // the log (logged as escalations_not_written). Idempotent.
  void Stop();

  // Appends `event` (which must have an "id") and fsyncs; then calls
  // `done(written)` on the writer thread. Queued for the webhook afterwards.
  void Submit(nlohmann::json event, std::function<void(bool written)> done);

  const std::string& path() const { return log_file_.path(); }

  // False while a line whose write failed waits to be written (for /readyz:
  // an escalation that is not on disk would not survive a restart).
  bool all_written() const { return all_written_.load(std::memory_order_relaxed); }

 private:
  friend class WebhookSender;
  struct Entry {
    std::string line;
    nlohmann::json event;  // null for "delivered" lines
    std::function<void(bool)> done;
  };
  // A line whose write failed, waiting for the log to take it.
  struct Unwritten {
    std::string line;
    bool event;  // false: a delivered mark
  };
  void RunWriter();
  // Writes the unwritten lines, then `fresh`; on the writer thread.
  void Write(std::deque<Entry> fresh);
  void KeepUnwritten(std::string line, bool event);
  void MarkDelivered(const std::string& id);  // from the webhook thread

  AppendLog log_file_;  // writer thread only (and Start/Stop around it)
  const Millis retry_interval_;
  Metrics& metrics_;
  Logger& log_;
  std::deque<Unwritten> unwritten_;  // writer thread only, oldest first
  size_t unwritten_events_ = 0;      // of unwritten_; writer thread only
  bool dropping_ = false;            // kMaxUnwritten reached in this episode (logged once)
  std::chrono::steady_clock::time_point failure_logged_{};
  std::atomic<bool> all_written_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> queue_;
  bool stopping_ = false;
  bool running_ = false;
  std::thread writer_;
  std::unique_ptr<WebhookSender> webhook_;
};

// A new event id (random, 16 hex chars).
std::string NewEventId();

}  // namespace screener::server
