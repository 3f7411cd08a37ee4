// What every connection of one server shares: the options, the immutable
// script library, the registry, the escalation sink, metrics and the log,
// plus the set of live connections (for the going-away close at shutdown).
// Built by Server, handed to connections by reference; outlives them all.
// Thread-safe: members are immutable or thread-safe themselves; the
// connection set has its own mutex.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "dialogue/library.h"
#include "server/escalation.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/options.h"
#include "server/registry.h"
#include "server/store.h"

namespace screener::server {

class RedisSessions;
class RedisOutbox;

// A live WebSocket connection, as the shutdown sees it.
class LiveConnection {
 public:
  virtual ~LiveConnection() = default;
  // Close with 1001 going_away. Any thread; posts to the connection's strand.
  virtual void GoingAway() = 0;
};

struct SharedState {
  SharedState(const ServerOptions& o, std::shared_ptr<const ScriptLibrary> l, ConversationStore& s, Registry& r,
              EscalationSink& e, Metrics& m, Logger& g)
      : options(o), library(std::move(l)), store(s), registry(r), escalation(e), metrics(m), log(g) {}

  const ServerOptions& options;
  const std::shared_ptr<const ScriptLibrary> library;
  ConversationStore& store;
  Registry& registry;
  EscalationSink& escalation;
  Metrics& metrics;
  Logger& log;
  // With --store redis://: conversations and escalations go there instead
  // (server/redis_sessions.h); null otherwise.
  RedisSessions* redis = nullptr;
  RedisOutbox* outbox = nullptr;
  bool tls = false;
  int network_threads = 1;  // threads running the io_context
  std::string web_root;  // canonical path of --web; "" if it does not exist
  std::atomic<bool> stopping{false};

  // Holds a place for an upgrade; false when at the connection cap (or
  // stopping). Each true is followed by exactly one Join.
  bool Reserve() {
    std::lock_guard lock(mu_);
    if (stopping || static_cast<int>(live_.size() + pending_) >= options.max_connections) return false;
    ++pending_;
    return true;
  }
  // Turns a reservation into a live connection.
  void Join(LiveConnection* c, std::weak_ptr<LiveConnection> weak) {
    std::lock_guard lock(mu_);
    --pending_;
    live_.emplace(c, std::move(weak));
    metrics.connections_open.store(static_cast<int64_t>(live_.size()));
    metrics.connections_total++;
  }
  void Leave(LiveConnection* c) {
    std::lock_guard lock(mu_);
    live_.erase(c);
    metrics.connections_open.store(static_cast<int64_t>(live_.size()));
  }
  // Every connection gets GoingAway(); returns how many were open.
  size_t CloseAll() {
    std::unordered_map<LiveConnection*, std::weak_ptr<LiveConnection>> live;
    {
      std::lock_guard lock(mu_);
      live = live_;
    }
    for (auto& [raw, weak] : live) {
      if (auto c = weak.lock()) c->GoingAway();
    }
    return live.size();
  }
  size_t open() const {
    std::lock_guard lock(mu_);
    return live_.size();
  }

 private:
  mutable std::mutex mu_;
  size_t pending_ = 0;
  std::unordered_map<LiveConnection*, std::weak_ptr<LiveConnection>> live_;
};

}  // namespace screener::server
