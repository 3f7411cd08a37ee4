// Server: one screener-server instance, built by main (or a test) from its
// options and the loaded script library.
//
// Start() opens the state dir, loads saved conversations, opens the
// escalation log, binds the port and runs `threads` threads on one
// io_context. Stop() is the graceful shutdown: stop accepting, close every
// WebSocket with 1001 going_away (waiting up to 2 s for the closes), stop
// the threads, save every live conversation, flush the escalation log.
// Start and Stop are called from one controlling thread; the rest is
// internal. Beast types stay in the .cc files (pimpl).
#pragma once

#include <cstdint>
#include <memory>

#include "dialogue/library.h"
#include "dialogue/result.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/options.h"

namespace screener::server {

class Registry;

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const ScriptLibrary> library, Logger& log);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Problems Start();
  void Stop();

  // The bound port (useful with --port 0).
  uint16_t port() const;
  Metrics& metrics();
  // For tests: the registry (Flush(), size()).
  Registry& registry();
  const ServerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads every script of `folder` with the real crisis detector.
Result<std::shared_ptr<const ScriptLibrary>> LoadLibrary(const std::string& folder);

}  // namespace screener::server
