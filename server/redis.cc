#include "server/redis.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include "server/thread_name.h"

namespace screener::server {

Result<RedisAddress> ParseRedisUrl(const std::string& url) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) return Problem{"", "", "--store: expected redis://HOST:PORT/DB, got " + url};
  std::string rest = url.substr(scheme.size());
  RedisAddress a;
  std::string authority = rest.substr(0, rest.find('/'));
  if (size_t slash = rest.find('/'); slash != std::string::npos && slash + 1 < rest.size()) {
    std::string db = rest.substr(slash + 1);
    if (db.empty() || db.size() > 4 || db.find_first_not_of("0123456789") != std::string::npos) {
      return Problem{"", "", "--store: the database must be a number: " + url};
    }
    a.db = std::stoi(db);
  }
  if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return Problem{"", "", "--store: bad port: " + url};
    }
    a.port = std::stoi(port);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return Problem{"", "", "--store: no host: " + url};
  a.host = authority;
  return a;
}

namespace {

timeval ToTimeval(Millis d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

RedisReply Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

RedisConnection::RedisConnection(RedisAddress address, Millis timeout)
    : address_(std::move(address)), timeout_(timeout) {}

RedisConnection::~RedisConnection() { Drop(); }

void RedisConnection::Drop() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

bool RedisConnection::Connect() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return false;  // failed a moment ago: answer at once
  next_attempt_ = now + std::chrono::milliseconds(100);
  ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, ToTimeval(timeout_));
  if (!ctx_ || ctx_->err) {
    Drop();
    return false;
  }
  redisSetTimeout(ctx_, ToTimeval(timeout_));
  if (address_.db != 0) {
    auto r = Command({"SELECT", std::to_string(address_.db)});
    if (!r || r->error()) {
      Drop();
      return false;
    }
  }
  return true;
}

std::optional<RedisReply> RedisConnection::Command(const std::vector<std::string>& args,
                                                   std::optional<Millis> read_timeout) {
  if (ctx_) {
    // Readable with no command sent: Redis closed it (restarted, say).
    // Make a new one rather than fail this command.
    pollfd p{ctx_->fd, POLLIN, 0};
    if (::poll(&p, 1, 0) != 0) {
      Drop();
      next_attempt_ = {};
    }
  }
  if (!ctx_ && !Connect()) return std::nullopt;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (read_timeout) redisSetTimeout(ctx_, ToTimeval(*read_timeout));
  auto* reply = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(),
                                                          lens.data()));
  if (!reply) {
    Drop();  // I/O error or timeout: the stream is out of step, start again
    return std::nullopt;
  }
  if (read_timeout) redisSetTimeout(ctx_, ToTimeval(timeout_));
  RedisReply out = Copy(reply);
  freeReplyObject(reply);
  return out;
}

RedisPool::RedisPool(RedisAddress address, Millis timeout, int threads)
    : address_(std::move(address)), timeout_(timeout), threads_(std::max(1, threads)) {}

RedisPool::~RedisPool() { Stop(); }

void RedisPool::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < threads_; ++i) {
    workers_.emplace_back([this] {
      NameThisThread("redis");
      RunWorker();
    });
  }
  health_ = std::thread([this] {
    NameThisThread("redis-health");
    RunHealth();
  });
}

void RedisPool::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  health_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  if (health_.joinable()) health_.join();
  workers_.clear();
  // Jobs posted after the workers left still get their answer.
  std::deque<Queued> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
  }
  for (Queued& q : left) q.job(nullptr);
}

void RedisPool::Post(Job job) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(job), std::chrono::steady_clock::now() + timeout_});
      cv_.notify_one();
      return;
    }
  }
  job(nullptr);
}

void RedisPool::RunWorker() {
  RedisConnection connection(address_, timeout_);
  for (;;) {
    Queued q;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      q = std::move(queue_.front());
      queue_.pop_front();
    }
    bool late = std::chrono::steady_clock::now() > q.deadline;
    q.job(late ? nullptr : &connection);
  }
}

void RedisPool::RunHealth() {
  RedisConnection connection(address_, timeout_);
  for (;;) {
    auto r = connection.Command({"PING"});
    healthy_.store(r && !r->error(), std::memory_order_relaxed);
    std::unique_lock lock(mu_);
    if (health_cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; })) return;
  }
}

}  // namespace screener::server
