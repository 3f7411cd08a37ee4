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
// Thread-safe. Two threads of its own: the log writer and the webhook sender.
#pragma once

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
  EscalationSink(std::string log_path, const ServerOptions& options, Metrics& metrics, Logger& log);
  ~EscalationSink();  // Stop()s

  // Opens the log, finds undelivered events, starts the threads.
  Problems Start();
  // Writes what is queued, stops delivery (undelivered events stay in the
  // log for the next start). Idempotent.
  void Stop();

  // Appends `event` (which must have an "id") and fsyncs; then calls
  // `done(written)` on the writer thread. Queued for the webhook afterwards.
  void Submit(nlohmann::json event, std::function<void(bool written)> done);

  const std::string& path() const { return log_file_.path(); }

 private:
  friend class WebhookSender;
  struct Entry {
    std::string line;
    nlohmann::json event;  // null for "delivered" lines
    std::function<void(bool)> done;
  };
  void RunWriter();
  void MarkDelivered(const std::string& id);  // from the webhook thread

  AppendLog log_file_;  // writer thread only (and Start/Stop around it)
  Metrics& metrics_;
  Logger& log_;
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
