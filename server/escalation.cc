#include "server/escalation.h"

#include <fstream>
#include <set>

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
#include "server/token.h"

namespace screener::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

std::string NewEventId() { return NewSessionId(); }

// POSTs events in order on its own thread and io_context.
class WebhookSender {
 public:
  WebhookSender(EscalationSink& sink, const ServerOptions& options, HttpUrl url)
      : sink_(sink),
        url_(std::move(url)),
        timeout_(options.webhook_timeout),
        backoff_(options.webhook_backoff),
        backoff_max_(options.webhook_backoff_max),
        tls_(net::ssl::context::tls_client),
        wake_(ioc_) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(net::ssl::verify_peer);
  }

  void Start() {
    net::co_spawn(ioc_, Loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  void Stop() {
    net::post(ioc_, [this] {
      stopping_ = true;
      ioc_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  // Any thread.
  void Enqueue(json event) {
    net::post(ioc_, [this, event = std::move(event)]() mutable {
      pending_.push_back(std::move(event));
      sink_.metrics_.webhook_pending.store(static_cast<int64_t>(pending_.size()));
      wake_.cancel();
    });
  }

 private:
  net::awaitable<void> Loop() {
    Millis delay = backoff_;
    while (!stopping_) {
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
        sink_.metrics_.webhook_pending.store(static_cast<int64_t>(pending_.size()));
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
  net::io_context ioc_;
  net::ssl::context tls_;
  net::steady_timer wake_;
  std::deque<json> pending_;  // on ioc_ only
  bool stopping_ = false;     // on ioc_ only
  std::thread thread_;
};

EscalationSink::EscalationSink(std::string log_path, const ServerOptions& options, Metrics& metrics, Logger& log)
    : log_file_(std::move(log_path)), metrics_(metrics), log_(log) {
  if (!options.webhook_url.empty()) {
    HttpUrl url;
    if (ParseHttpUrl(options.webhook_url, &url)) webhook_ = std::make_unique<WebhookSender>(*this, options, url);
  }
}

EscalationSink::~EscalationSink() { Stop(); }

Problems EscalationSink::Start() {
  // Undelivered events from earlier runs, in order, each once (a line can
  // appear twice if an append whose sync failed could not be cut back).
  std::vector<json> pending;
  {
    std::ifstream in(path());
    std::vector<json> events;
    std::set<std::string> seen;
    std::set<std::string> delivered;
    std::string line;
    while (std::getline(in, line)) {
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;  // a torn line after a crash
      if (j.contains("delivered") && j["delivered"].is_string()) {
        delivered.insert(j["delivered"].get<std::string>());
      } else if (j.contains("id") && j["id"].is_string() && seen.insert(j["id"].get<std::string>()).second) {
        events.push_back(std::move(j));
      }
    }
    for (json& e : events) {
      if (!delivered.count(e["id"].get<std::string>())) pending.push_back(std::move(e));
    }
  }
  if (std::string why = log_file_.Open(); !why.empty()) {
    return {Problem{path(), "", "cannot open the escalation log: " + why}};
  }
  running_ = true;
  writer_ = std::thread([this] { RunWriter(); });
  if (webhook_) {
    webhook_->Start();
    if (!pending.empty()) log_.Info("webhook_redeliver", {{"events", pending.size()}});
    for (json& e : pending) webhook_->Enqueue(std::move(e));
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
    std::deque<Entry> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    std::string data;
    for (const Entry& e : batch) data += e.line;
    std::string why = log_file_.Append(data);
    bool ok = why.empty();
    if (!ok) log_.Error("escalation_log_write_failed", {{"path", path()}, {"error", why}});
    for (Entry& e : batch) {
      if (e.event.is_null()) continue;
      if (ok) metrics_.escalations_logged++;
      if (e.done) e.done(ok);
      if (webhook_) webhook_->Enqueue(std::move(e.event));
    }
  }
}

}  // namespace screener::server
