// A small Redis client for the shared store (--store redis://...): a blocking
// hiredis connection with timeouts that reconnects by itself, and a pool of
// worker threads that runs Redis work off the network threads.
//
// Threads: a RedisConnection belongs to one thread at a time. RedisPool owns
// `threads` workers (one connection each) and a health thread that PINGs
// every 250 ms; Post() may be called from any thread (network threads only
// queue work, they never wait for Redis). A job that waited in the queue
// longer than the timeout runs with a null connection: the caller answers
// "unavailable" instead of letting a client hang.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dialogue/result.h"
#include "server/options.h"

struct redisContext;

namespace screener::server {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
};

// redis://HOST[:PORT][/DB]
Result<RedisAddress> ParseRedisUrl(const std::string& url);

// A reply copied out of hiredis.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;  // string, status or error text
  std::vector<RedisReply> elements;

  bool error() const { return type == Type::kError; }
  bool nil() const { return type == Type::kNil; }
};

class RedisConnection {
 public:
  RedisConnection(RedisAddress address, Millis timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // nullopt when Redis cannot be reached or did not answer within the
  // timeout (`read_timeout` overrides it for blocking commands); the
  // connection is then dropped and made again on a later call, at most every
  // 100 ms. An error reply is a reply (type kError), not nullopt.
  std::optional<RedisReply> Command(const std::vector<std::string>& args,
                                    std::optional<Millis> read_timeout = std::nullopt);

 private:
  bool Connect();
  void Drop();

  const RedisAddress address_;
  const Millis timeout_;
  redisContext* ctx_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
};

class RedisPool {
 public:
  // A job gets its worker's connection, or nullptr when it waited too long.
  using Job = std::function<void(RedisConnection*)>;

  RedisPool(RedisAddress address, Millis timeout, int threads);
  ~RedisPool();  // Stop()s

  void Start();
  // Runs what is queued (jobs queued after Stop get nullptr) and joins.
  void Stop();

  // Any thread; never blocks on Redis.
  void Post(Job job);

  // The last PING (or command) succeeded.
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  // Called by jobs that saw Redis fail, so readiness drops at once.
  void ReportFailure() { healthy_.store(false, std::memory_order_relaxed); }

  const RedisAddress& address() const { return address_; }
  Millis timeout() const { return timeout_; }

 private:
  struct Queued {
    Job job;
    std::chrono::steady_clock::time_point deadline;
  };
  void RunWorker();
  void RunHealth();

  const RedisAddress address_;
  const Millis timeout_;
  const int threads_;
  std::atomic<bool> healthy_{false};
  std::mutex mu_;
  std::condition_variable cv_;         // workers
  std::condition_variable health_cv_;  // the health thread
  std::deque<Queued> queue_;
  bool stopping_ = false;
  bool started_ = false;
  std::vector<std::thread> workers_;
  std::thread health_;
};

}  // namespace screener::server
