#include "server/redis_sessions.h"

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
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
using Steady = std::chrono::steady_clock;

namespace {

const std::string kPrefix = "screener:";
const std::string kStream = kPrefix + "escalations";
const std::string kGroup = "webhook";

std::string ConvKey(const std::string& id) { return kPrefix + "conv:" + id; }
std::string TokenKey(const std::string& hash) { return kPrefix + "token:" + hash; }
std::string LockKey(const std::string& id) { return kPrefix + "lock:" + id; }

// Writes only while we hold the lock (fencing) and nobody saved since we
// read `expected` (optimistic version check); moves the token index.
// KEYS: lock, conv, new token, old token. ARGV: fence, expected, record, ttl ms, id.
constexpr const char* kSaveScript = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local v = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
if v ~= tonumber(ARGV[2]) then return -2 end
v = v + 1
redis.call('HSET', KEYS[2], 'version', v, 'record', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if KEYS[4] ~= KEYS[3] then redis.call('DEL', KEYS[4]) end
redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[4])
return v
)lua";

// Compare-and-delete: release the lock only if it is still ours.
constexpr const char* kUnlockScript = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// KEYS: lock, conv, token. ARGV: fence, expected version.
constexpr const char* kForgetScript = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if tonumber(redis.call('HGET', KEYS[2], 'version') or '0') ~= tonumber(ARGV[2]) then return -2 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
)lua";

std::string InstanceName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + NewSessionId().substr(0, 6);
}


// One POST, bounded by `timeout` as a whole. On the outbox's own thread.
bool PostJson(const HttpUrl& url, const std::string& body, Millis timeout, std::string* error) {
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "screener-server");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  beast::error_code result = net::error::timed_out;
  net::ssl::context tls(net::ssl::context::tls_client);
  auto run = [&](auto& stream, auto& lowest, auto handshake) {
    lowest.expires_after(timeout);
    resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, net::ip::tcp::resolver::results_type r) {
      if (ec) return void(result = ec);
      lowest.async_connect(r, [&](beast::error_code ec, const net::ip::tcp::endpoint&) {
        if (ec) return void(result = ec);
        handshake([&](beast::error_code ec) {
          if (ec) return void(result = ec);
          http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
            if (ec) return void(result = ec);
            http::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) { result = ec; });
          });
        });
      });
    });
    ioc.run_for(timeout + Millis(100));
  };
  if (url.https) {
    tls.set_default_verify_paths();
    tls.set_verify_mode(net::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
      *error = "cannot set SNI";
      return false;
    }
    stream.set_verify_callback(net::ssl::host_name_verification(url.host));
    run(stream, beast::get_lowest_layer(stream),
        [&](auto next) { stream.async_handshake(net::ssl::stream_base::client, next); });
  } else {
    beast::tcp_stream stream(ioc);
    run(stream, stream, [&](auto next) { next(beast::error_code{}); });
  }
  if (result) {
    *error = result.message();
    return false;
  }
  if (res.result_int() >= 200 && res.result_int() < 300) return true;
  *error = "HTTP " + std::to_string(res.result_int());
  return false;
}

// [[id, [field, value, ...]], ...] → (id, value of "event") pairs.
std::vector<std::pair<std::string, std::string>> Entries(const RedisReply& list) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RedisReply& e : list.elements) {
    if (e.type != RedisReply::Type::kArray || e.elements.size() < 2) continue;  // deleted meanwhile
    const RedisReply& fields = e.elements[1];
    std::string data;
    for (size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
      if (fields.elements[i].str == "event") data = fields.elements[i + 1].str;
    }
    out.emplace_back(e.elements[0].str, std::move(data));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// RedisSessions

RedisSessions::RedisSessions(RedisPool& pool, Millis resume_window, Metrics& metrics, Logger& log)
    : pool_(pool), resume_window_(resume_window), metrics_(metrics), log_(log), instance_(InstanceName()) {}

RedisStatus RedisSessions::Locked(RedisConnection& c, const std::string& id, Steady::time_point deadline,
                                  const std::function<RedisStatus(const std::string&)>& body) {
  std::string fence = instance_ + ":" + std::to_string(++fences_);
  std::string key = LockKey(id);
  // Held at most this long if we die holding it.
  std::string lease = std::to_string(std::max<int64_t>(1000, pool_.timeout().count() * 2));
  for (;;) {
    auto r = c.Command({"SET", key, fence, "NX", "PX", lease});
    if (!r || r->error()) {
      pool_.ReportFailure();
      log_.Debug("redis_unavailable", {{"step", "lock"}, {"error", r ? r->str : "no answer"}});
      return RedisStatus::kUnavailable;
    }
    if (r->type == RedisReply::Type::kStatus) break;  // OK: ours
    if (Steady::now() > deadline) {  // someone holds it too long
      log_.Debug("redis_unavailable", {{"step", "lock held"}, {"session", id}});
      return RedisStatus::kUnavailable;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  RedisStatus status = body(fence);
  auto r = c.Command({"EVAL", kUnlockScript, "1", key, fence});
  if (!r) pool_.ReportFailure();  // the lease ends it
  return status;
}

RedisSessions::Saved RedisSessions::SaveNow(RedisConnection& c, const std::string& id, const std::string& fence,
                                            int64_t expected, const std::string& record, const std::string& new_hash,
                                            const std::string& old_hash) {
  Saved saved;
  auto r = c.Command({"EVAL", kSaveScript, "4", LockKey(id), ConvKey(id), TokenKey(new_hash), TokenKey(old_hash), fence,
                      std::to_string(expected), record, std::to_string(resume_window_.count()), id});
  if (!r || r->error() || r->type != RedisReply::Type::kInteger) {
    if (!r) pool_.ReportFailure();
    if (r && r->error()) log_.Error("redis_error", {{"error", r->str}});
    return saved;
  }
  if (r->integer == -1) {  // our lock lapsed: unavailable, try again
    log_.Debug("redis_unavailable", {{"step", "lock lapsed"}, {"session", id}});
    return saved;
  }
  if (r->integer == -2) {
    saved.status = RedisStatus::kConflict;
    return saved;
  }
  saved.status = RedisStatus::kOk;
  saved.version = r->integer;
  return saved;
}

void RedisSessions::Save(const std::string& id, int64_t expected, std::string record, const std::string& new_hash,
                         const std::string& old_hash, std::function<void(Saved)> done) {
  pool_.Post([this, id, expected, record = std::move(record), new_hash, old_hash,
              done = std::move(done)](RedisConnection* c) {
    Saved saved;
    if (c) {
      auto deadline = Steady::now() + pool_.timeout();
      RedisStatus s = Locked(*c, id, deadline, [&](const std::string& fence) {
        saved = SaveNow(*c, id, fence, expected, record, new_hash, old_hash);
        return saved.status;
      });
      if (s != saved.status) saved.status = s;
    }
    done(saved);
  });
}

void RedisSessions::Resume(const std::string& hash, const std::string& new_hash, std::function<void(Loaded)> done) {
  pool_.Post([this, hash, new_hash, done = std::move(done)](RedisConnection* c) {
    Loaded loaded;
    if (!c) return done(std::move(loaded));
    auto deadline = Steady::now() + pool_.timeout();
    auto id = c->Command({"GET", TokenKey(hash)});
    if (!id || id->error()) {
      if (!id) pool_.ReportFailure();
      return done(std::move(loaded));
    }
    if (id->type != RedisReply::Type::kString) {
      loaded.status = RedisStatus::kNotFound;
      return done(std::move(loaded));
    }
    loaded.status = Locked(*c, id->str, deadline, [&](const std::string& fence) {
      auto r = c->Command({"HMGET", ConvKey(id->str), "version", "record"});
      if (!r || r->error() || r->elements.size() != 2) {
        if (!r) pool_.ReportFailure();
        return RedisStatus::kUnavailable;
      }
      if (r->elements[0].nil() || r->elements[1].nil()) return RedisStatus::kNotFound;
      json record = json::parse(r->elements[1].str, nullptr, false);
      if (record.is_discarded() || !record.is_object() || record.value("token_hash", "") != hash) {
        return RedisStatus::kNotFound;
      }
      int64_t version = std::stoll(r->elements[0].str);
      record["token_hash"] = new_hash;
      Saved saved = SaveNow(*c, id->str, fence, version, record.dump(), new_hash, hash);
      if (saved.status != RedisStatus::kOk) return saved.status;
      loaded.record = std::move(record);
      loaded.version = saved.version;
      return RedisStatus::kOk;
    });
    if (loaded.status == RedisStatus::kConflict) loaded.status = RedisStatus::kUnavailable;
    done(std::move(loaded));
  });
}

void RedisSessions::Forget(const std::string& id, const std::string& hash, int64_t expected,
                           std::function<void(RedisStatus)> done) {
  pool_.Post([this, id, hash, expected, done = std::move(done)](RedisConnection* c) {
    if (!c) return done(RedisStatus::kUnavailable);
    RedisStatus s = Locked(*c, id, Steady::now() + pool_.timeout(), [&](const std::string& fence) {
      auto r = c->Command({"EVAL", kForgetScript, "3", LockKey(id), ConvKey(id), TokenKey(hash), fence,
                           std::to_string(expected)});
      if (r && r->type == RedisReply::Type::kInteger && r->integer == -2) return RedisStatus::kConflict;
      if (!r || r->error() || r->type != RedisReply::Type::kInteger || r->integer != 1) {
        if (!r) pool_.ReportFailure();
        return RedisStatus::kUnavailable;
      }
      return RedisStatus::kOk;
    });
    done(s);
  });
}

void RedisSessions::Touch(const std::string& id, const std::string& hash) {
  pool_.Post([this, id, hash](RedisConnection* c) {
    if (!c) return;
    std::string ttl = std::to_string(resume_window_.count());
    c->Command({"PEXPIRE", ConvKey(id), ttl});
    c->Command({"PEXPIRE", TokenKey(hash), ttl});
  });
}

std::shared_ptr<Attachment> RedisSessions::Attach(const std::string& id, std::weak_ptr<Attachment> to,
                                                  const Attachment* self) {
  std::lock_guard lock(mu_);
  Local& l = local_[id];
  std::shared_ptr<Attachment> previous;
  if (l.raw && l.raw != self) previous = l.to.lock();
  l.to = std::move(to);
  l.raw = self;
  metrics_.conversations_live.store(static_cast<int64_t>(local_.size()));
  return previous;
}

void RedisSessions::Detach(const std::string& id, const Attachment* self) {
  std::lock_guard lock(mu_);
  auto it = local_.find(id);
  if (it == local_.end() || it->second.raw != self) return;
  local_.erase(it);
  metrics_.conversations_live.store(static_cast<int64_t>(local_.size()));
}

// ---------------------------------------------------------------------------
// RedisOutbox

RedisOutbox::RedisOutbox(RedisPool& pool, const ServerOptions& options, Metrics& metrics, Logger& log,
                         EscalationSink& fallback)
    : pool_(pool), options_(options), metrics_(metrics), log_(log), fallback_(fallback), consumer_(InstanceName()) {}

RedisOutbox::~RedisOutbox() { Stop(); }

void RedisOutbox::Start() {
  if (options_.webhook_url.empty()) return;
  thread_ = std::thread([this] { Run(); });
}

void RedisOutbox::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RedisOutbox::Submit(json event, std::function<void(bool)> done) {
  pool_.Post([this, event = std::move(event), done = std::move(done)](RedisConnection* c) mutable {
    std::string line = event.dump(-1, ' ', false, json::error_handler_t::replace);
    std::optional<RedisReply> r;
    if (c) r = c->Command({"XADD", kStream, "MAXLEN", "~", "100000", "*", "event", line});
    if (r && !r->error()) {
      metrics_.escalations_logged++;
      if (done) done(true);
      return;
    }
    if (!r) pool_.ReportFailure();
    // Never lose an escalation: the local log and this instance's webhook
    // sender take it.
    log_.Error("escalation_outbox_failed", {{"event_id", event.value("id", "")}, {"fallback", "local log"}});
    fallback_.Submit(std::move(event), std::move(done));
  });
}

bool RedisOutbox::Sleep(Millis d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

bool RedisOutbox::EnsureGroup(RedisConnection& c) {
  auto r = c.Command({"XGROUP", "CREATE", kStream, kGroup, "0", "MKSTREAM"});
  return r && (!r->error() || r->str.rfind("BUSYGROUP", 0) == 0);
}

void RedisOutbox::Deliver(RedisConnection& c, const std::string& entry_id, const std::string& data) {
  HttpUrl url;
  if (!ParseHttpUrl(options_.webhook_url, &url)) return;
  json event = json::parse(data, nullptr, false);
  std::string event_id = event.is_object() ? event.value("id", "") : "";
  Millis delay = options_.webhook_backoff;
  Millis claim_idle = options_.escalation_claim_idle;
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) {
      // Still ours? Claiming it again resets its idle time, so no other
      // instance takes it while we retry.
      auto r = c.Command({"XCLAIM", kStream, kGroup, consumer_, "0", entry_id, "JUSTID"});
      if (!r || r->error()) return;  // Redis is away: the entry stays pending
      if (r->elements.empty()) return;  // acknowledged or trimmed elsewhere
    }
    std::string error;
    if (PostJson(url, data, options_.webhook_timeout, &error)) {
      c.Command({"XACK", kStream, kGroup, entry_id});
      metrics_.webhook_delivered++;
      log_.Info("webhook_delivered", {{"event_id", event_id}, {"consumer", consumer_}});
      return;
    }
    metrics_.webhook_failures++;
    log_.Warn("webhook_failed", {{"event_id", event_id}, {"error", error}, {"retry_in_ms", delay.count()}});
    // Sleep in slices shorter than the claim idle time, re-claiming between.
    Millis slice = std::max(Millis(50), claim_idle / 3);
    for (Millis left = delay; left.count() > 0; left -= slice) {
      if (!Sleep(std::min(left, slice))) return;
      if (left > slice) c.Command({"XCLAIM", kStream, kGroup, consumer_, "0", entry_id, "JUSTID"});
    }
    delay = std::min(delay * 2, options_.webhook_backoff_max);
  }
}

void RedisOutbox::Run() {
  // Longer than the blocking read below.
  RedisConnection c(pool_.address(), std::max(pool_.timeout(), Millis(1000)) + Millis(1000));
  bool group = false;
  auto next_claim = Steady::now();
  const Millis claim_idle = options_.escalation_claim_idle;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (!group && !(group = EnsureGroup(c))) {
      Sleep(Millis(250));
      continue;
    }
    if (Steady::now() >= next_claim) {
      // Events an instance read and then died with: deliver them here.
      std::string cursor = "0-0";
      for (int page = 0; page < 16; ++page) {
        auto r = c.Command({"XAUTOCLAIM", kStream, kGroup, consumer_, std::to_string(claim_idle.count()), cursor,
                            "COUNT", "16"});
        if (!r || r->error() || r->elements.size() < 2) {
          group = false;
          break;
        }
        for (auto& [id, data] : Entries(r->elements[1])) {
          log_.Warn("escalation_claimed", {{"entry", id}, {"consumer", consumer_}});
          Deliver(c, id, data);
        }
        cursor = r->elements[0].str;
        if (cursor == "0-0") break;
      }
      next_claim = Steady::now() + std::max(Millis(100), claim_idle / 4);
      if (!group) continue;
    }
    auto r = c.Command({"XREADGROUP", "GROUP", kGroup, consumer_, "COUNT", "16", "BLOCK", "500", "STREAMS", kStream,
                        ">"});
    if (!r || r->error()) {  // NOGROUP after Redis lost its data, or Redis away
      group = false;
      if (!r) Sleep(Millis(250));
      continue;
    }
    if (r->type != RedisReply::Type::kArray) continue;  // nothing new
    for (const RedisReply& stream : r->elements) {
      if (stream.elements.size() < 2) continue;
      for (auto& [id, data] : Entries(stream.elements[1])) Deliver(c, id, data);
    }
  }
}

}  // namespace screener::server
