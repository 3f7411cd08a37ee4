#include "server/escalation.h"

#include <fstream>
#include <set>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/http_util.h"
#include "server/thread_name.h"
#include "server/token.h"

namespace screener::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

std::string NewEventId() { return NewSessionId(); }

namespace {

// The events in the log without a delivered mark, in order, each once (a
// line can appear twice if an append whose sync failed could not be cut
// back). A torn last line (a crash, or an append in progress) is skipped.
// `delivered`, if given, gets the ids that have a delivered mark.
std::vector<json> ReadUndelivered(const std::string& path, std::unordered_set<std::string>* delivered_ids = nullptr) {
  std::ifstream in(path);
  std::vector<json> events;
  std::set<std::string> seen;
  std::unordered_set<std::string> delivered;
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.contains("delivered") && j["delivered"].is_string()) {
      delivered.insert(j["delivered"].get<std::string>());
    } else if (j.contains("id") && j["id"].is_string() && seen.insert(j["id"].get<std::string>()).second) {
      events.push_back(std::move(j));
    }
  }
  std::vector<json> pending;
  for (json& e : events) {
    if (!delivered.count(e["id"].get<std::string>())) pending.push_back(std::move(e));
  }
  if (delivered_ids) *delivered_ids = std::move(delivered);
  return pending;
}

}  // namespace

// POSTs events in order on its own thread and io_context.
//
// At most --webhook-queue events wait in memory. While the webhook is down
// for long, later events that are in the log wait only there ("the
// backlog"); when the memory queue has drained, the sender reads the next
// ones back from the log, so memory stays bounded and the order is kept.
// An event whose line could not be written (a disk fault) is held in memory
// whatever the bound: it has nowhere else to wait.
class WebhookSender {
 public:
  WebhookSender(EscalationSink& sink, const ServerOptions& options, HttpUrl url)
      : sink_(sink),
        url_(std::move(url)),
        timeout_(options.webhook_timeout),
        backoff_(options.webhook_backoff),
        backoff_max_(options.webhook_backoff_max),
        max_in_memory_(options.webhook_queue),
        tls_(net::ssl::context::tls_client),
        wake_(ioc_) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(net::ssl::verify_peer);
  }

  void Start() {
    net::co_spawn(ioc_, Loop(), net::detached);
    thread_ = std::thread([this] {
      NameThisThread("webhook");
      ioc_.run();
    });
  }

  void Stop() {
    net::post(ioc_, [this] {
      stopping_ = true;
      ioc_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  // Any thread. `in_log`: the event's line is in the log, so it may wait
  // there.
  void Enqueue(json event, bool in_log) {
    net::post(ioc_, [this, event = std::move(event), in_log]() mutable {
      if (in_log && (backlog_ > 0 || pending_.size() >= max_in_memory_)) {
        if (backlog_++ == 0) {
          sink_.log_.Warn("webhook_backlog_in_log", {{"in_memory", pending_.size()}, {"path", sink_.path()}});
        }
      } else {
        Queue(std::move(event));
      }
      UpdateGauges();
      wake_.cancel();
    });
  }

 private:
  net::awaitable<void> Loop() {
    Millis delay = backoff_;
    while (!stopping_) {
      if (pending_.empty() && backlog_ > 0) {
        ReadBackFromLog();
        continue;
      }
      if (pending_.empty()) {
        wake_.expires_after(std::chrono::hours(24));
        beast::error_code ec;
        co_await wake_.async_wait(net::redirect_error(net::use_awaitable, ec));
        continue;
      }
      json event = pending_.front();
      std::string error;
      bool ok = co_await Post(event.dump(), &error);
      if (stopping_) co_return;
      std::string id = event.value("id", "");
      if (ok) {
        pending_.pop_front();
        queued_ids_.erase(id);
        // Its delivered mark may not be in the log yet when the backlog is
        // read back (the writer syncs it a little later).
        if (backlog_ > 0) delivered_unmarked_.insert(id);
        UpdateGauges();
        sink_.metrics_.webhook_delivered++;
        sink_.MarkDelivered(id);
        delay = backoff_;
        continue;
      }
      sink_.metrics_.webhook_failures++;
      sink_.log_.Warn("webhook_failed", {{"event_id", id}, {"error", error}, {"retry_in_ms", delay.count()}});
      net::steady_timer timer(ioc_, delay);
      beast::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      delay = std::min(delay * 2, backoff_max_);
    }
  }

  void Queue(json event) {
    std::string id = event.value("id", "");
    // Read back from the log before its own Enqueue arrived: already queued.
    if (!queued_ids_.insert(id).second) return;
    pending_.push_back(std::move(event));
  }

  // The memory queue is empty and events wait in the log: the next ones,
  // oldest first, up to the bound.
  void ReadBackFromLog() {
    std::unordered_set<std::string> marked;
    std::vector<json> waiting = ReadUndelivered(sink_.path(), &marked);
    std::erase_if(delivered_unmarked_, [&](const std::string& id) { return marked.count(id) > 0; });
    size_t left = 0;
    for (json& e : waiting) {
      std::string id = e.value("id", "");
      if (delivered_unmarked_.count(id) || queued_ids_.count(id)) continue;
      if (pending_.size() < max_in_memory_) {
        Queue(std::move(e));
      } else {
        ++left;
      }
    }
    backlog_ = left;
    if (backlog_ == 0) sink_.log_.Info("webhook_backlog_read_back", {{"in_memory", pending_.size()}});
    UpdateGauges();
  }

  void UpdateGauges() {
    sink_.metrics_.webhook_in_memory.store(static_cast<int64_t>(pending_.size()));
    sink_.metrics_.webhook_pending.store(static_cast<int64_t>(pending_.size() + backlog_));
  }

  net::awaitable<bool> Post(std::string body, std::string* error) {
    try {
      auto ex = co_await net::this_coro::executor;
      net::ip::tcp::resolver resolver(ex);
      auto endpoints = co_await resolver.async_resolve(url_.host, url_.port, net::use_awaitable);
      http::request<http::string_body> req{http::verb::post, url_.target, 11};
      req.set(http::field::host, url_.host);
      req.set(http::field::user_agent, "screener-server");
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
      req.prepare_payload();
      beast::flat_buffer buffer;
      http::response<http::string_body> res;
      if (url_.https) {
        beast::ssl_stream<beast::tcp_stream> stream(ex, tls_);
        if (!SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str())) {
          *error = "cannot set SNI";
          co_return false;
        }
        stream.set_verify_callback(net::ssl::host_name_verification(url_.host));
        beast::get_lowest_layer(stream).expires_after(timeout_);
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::use_awaitable);
        co_await stream.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
        co_await http::async_write(stream, req, net::use_awaitable);
        co_await http::async_read(stream, buffer, res, net::use_awaitable);
        beast::error_code ec;
        beast::get_lowest_layer(stream).socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
      } else {
        beast::tcp_stream stream(ex);
        stream.expires_after(timeout_);
        co_await stream.async_connect(endpoints, net::use_awaitable);
        co_await http::async_write(stream, req, net::use_awaitable);
        co_await http::async_read(stream, buffer, res, net::use_awaitable);
        beast::error_code ec;
        stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
      }
      if (res.result_int() >= 200 && res.result_int() < 300) co_return true;
      *error = "HTTP " + std::to_string(res.result_int());
      co_return false;
    } catch (const std::exception& e) {
      *error = e.what();
      co_return false;
    }
  }

  EscalationSink& sink_;
  HttpUrl url_;
  Millis timeout_;
  Millis backoff_;
  Millis backoff_max_;
  const size_t max_in_memory_;
  net::io_context ioc_;
  net::ssl::context tls_;
  net::steady_timer wake_;
  // On ioc_ only:
  std::deque<json> pending_;                            // oldest first
  std::unordered_set<std::string> queued_ids_;          // the ids in pending_
  size_t backlog_ = 0;                                  // events waiting only in the log
  // Delivered during a backlog, the delivered mark not yet seen in the log.
  std::unordered_set<std::string> delivered_unmarked_;
  bool stopping_ = false;
  std::thread thread_;
};

EscalationSink::EscalationSink(std::string log_path, const ServerOptions& options, Metrics& metrics, Logger& log)
    : log_file_(std::move(log_path)), retry_interval_(options.save_interval), metrics_(metrics), log_(log) {
  if (!options.webhook_url.empty()) {
    HttpUrl url;
    if (ParseHttpUrl(options.webhook_url, &url)) webhook_ = std::make_unique<WebhookSender>(*this, options, url);
  }
}

EscalationSink::~EscalationSink() { Stop(); }

Problems EscalationSink::Start() {
  // Undelivered events from earlier runs.
  std::vector<json> pending = ReadUndelivered(path());
  if (std::string why = log_file_.Open(); !why.empty()) {
    return {Problem{path(), "", "cannot open the escalation log: " + why}};
  }
  running_ = true;
  writer_ = std::thread([this] {
    NameThisThread("escalations");
    RunWriter();
  });
  if (webhook_) {
    webhook_->Start();
    if (!pending.empty()) log_.Info("webhook_redeliver", {{"events", pending.size()}});
    for (json& e : pending) webhook_->Enqueue(std::move(e), /*in_log=*/true);
  }
  return {};
}

void EscalationSink::Stop() {
  if (webhook_) webhook_->Stop();
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void EscalationSink::Submit(json event, std::function<void(bool)> done) {
  Entry entry;
  entry.line = event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  entry.event = std::move(event);
  entry.done = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (running_) {
      queue_.push_back(std::move(entry));
      cv_.notify_one();
      return;
    }
  }
  if (entry.done) entry.done(false);  // stopped: never hold a crisis reply back
}

void EscalationSink::MarkDelivered(const std::string& id) {
  Entry entry;
  entry.line = json{{"delivered", id}, {"time", UtcNow()}}.dump() + "\n";
  std::lock_guard lock(mu_);
  if (!running_) return;  // delivered again after the restart: at least once
  queue_.push_back(std::move(entry));
  cv_.notify_one();
}

void EscalationSink::RunWriter() {
  for (;;) {
    std::deque<Entry> fresh;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (unwritten_.empty()) {
        cv_.wait(lock, ready);
      } else {
        cv_.wait_for(lock, retry_interval_, ready);  // the retry of what did not fit on disk
      }
      fresh.swap(queue_);
      stopping = stopping_;  // set with running_ = false: nothing is queued after it
    }
    if (!fresh.empty() || !unwritten_.empty()) Write(std::move(fresh));
    if (stopping) {
      if (!unwritten_.empty()) {
        log_.Error("escalations_not_written", {{"path", path()}, {"events", unwritten_events_},
                                               {"lines", unwritten_.size()}});
      }
      return;
    }
  }
}

void EscalationSink::Write(std::deque<Entry> fresh) {
  std::string data;
  for (const Unwritten& u : unwritten_) data += u.line;
  for (const Entry& e : fresh) data += e.line;
  std::string why = log_file_.Append(data);
  const bool ok = why.empty();
  if (ok) {
    size_t fresh_events = 0;
    for (const Entry& e : fresh) fresh_events += e.event.is_null() ? 0 : 1;
    metrics_.escalations_logged += unwritten_events_ + fresh_events;
    if (!unwritten_.empty()) {
      log_.Info("escalation_log_recovered", {{"path", path()}, {"events", unwritten_events_}});
    }
    unwritten_.clear();
    unwritten_events_ = 0;
    dropping_ = false;
  } else {
    for (Entry& e : fresh) KeepUnwritten(std::move(e.line), !e.event.is_null());
    // Once per retry interval at most: a full disk must not also flood the log.
    auto now = std::chrono::steady_clock::now();
    if (now - failure_logged_ >= retry_interval_) {
      failure_logged_ = now;
      log_.Error("escalation_log_write_failed", {{"path", path()},
                                                 {"error", why},
                                                 {"unwritten_events", unwritten_events_},
                                                 {"retry_in_ms", retry_interval_.count()}});
    }
  }
  metrics_.escalations_unwritten.store(static_cast<int64_t>(unwritten_events_));
  all_written_.store(unwritten_.empty(), std::memory_order_relaxed);
  for (Entry& e : fresh) {
    if (e.event.is_null()) continue;
    if (e.done) e.done(ok);  // help is never held back by the disk
    if (webhook_) webhook_->Enqueue(std::move(e.event), /*in_log=*/ok);
  }
}

void EscalationSink::KeepUnwritten(std::string line, bool event) {
  if (unwritten_.size() >= kMaxUnwritten) {
    // Keep the oldest: the log stays every event in order up to here. A
    // dropped mark only means a delivery again after a restart.
    if (event) metrics_.escalations_dropped++;
    if (!dropping_) {
      dropping_ = true;
      log_.Error("escalation_backlog_full", {{"path", path()}, {"max_lines", kMaxUnwritten}});
    }
    return;
  }
  if (event) ++unwritten_events_;
  unwritten_.push_back({std::move(line), event});
}

}  // namespace screener::server
