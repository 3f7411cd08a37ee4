// screener-server's options: a plain struct with documented defaults, filled
// from a JSON config file (--config FILE) and then from the command line
// (the command line wins). Every option has the same name in both places:
// "--max-frame 8192" on the command line is {"max-frame": 8192} in the file.
// Errors read "file: /pointer: reason" (config) or "--flag: reason".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dialogue/result.h"
#include "server/log.h"

namespace screener::server {

using Millis = std::chrono::milliseconds;

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;                  // 0: any free port (tests)
  std::string scripts = "scripts";       // folder of *.json scripts
  std::string web = "web";               // static files; "/" serves index.html
  std::string state_dir = "state";       // saved conversations and the escalation log
  std::vector<std::string> allowed_origins;  // besides the server's own origin
  int threads = 0;                       // 0: one per core
  int max_connections = 10000;           // open WebSockets; more get 503 at upgrade
  size_t max_conversations = 50000;      // held in memory (attached or resumable); more: start gets "unavailable"
  size_t max_frame = 4096;               // bytes; larger frames close with 1009
  double rate = 5;                       // messages per second per connection (token bucket)
  double burst = 20;                     // bucket size
  size_t write_queue = 64;               // frames queued per connection before it is closed
  Millis handshake_timeout{10'000};      // TLS + HTTP request + WebSocket handshake
  Millis idle_timeout{300'000};          // no frame (or pong) from the client for this long: closed
  Millis resume_window{1'800'000};       // a detached conversation stays resumable this long
  Millis save_interval{2'000};           // how often changed conversations are written to disk
  std::string webhook_url;               // http:// or https://; empty: log only
  Millis webhook_timeout{5'000};
  Millis webhook_backoff{1'000};         // first retry delay; doubles up to webhook_backoff_max
  Millis webhook_backoff_max{300'000};
  size_t webhook_queue = 10'000;         // events held in memory for the webhook; more wait in the log
  bool escalation_include_text = false;  // put the person's message in escalation events
  std::string tls_cert;                  // PEM; with tls_key: https and wss only
  std::string tls_key;
  LogLevel log_level = LogLevel::kInfo;
  // Several instances behind a load balancer (docs/deploy.md): conversations
  // and escalations in Redis. Empty: the state dir only.
  std::string store;                     // redis://HOST:PORT/DB
  Millis store_timeout{2'000};           // one Redis operation; longer: the client gets "unavailable"
  Millis escalation_claim_idle{60'000};  // an event read but not acknowledged this long is taken over
};

struct ParsedArgs {
  ServerOptions options;
  bool help = false;
  bool version = false;
};

// Parses argv (argv[0] skipped). --config FILE is read first wherever it
// appears, then the other flags apply over it.
Result<ParsedArgs> ParseArgs(int argc, const char* const* argv);

// Applies a JSON config document (for tests and --config).
Problems ApplyConfig(const std::string& file, const std::string& text, ServerOptions& options);

// The --help text: every option with its default.
std::string HelpText();

}  // namespace screener::server
