// Structured logging: one JSON object per line, for connects, disconnects,
// errors, escalations, start and stop.
//
// Privacy rule, enforced by callers and reviewed in tests: never message text,
// never tokens. Sessions are named by their non-secret session id.
// Thread-safe: each line is written whole under a mutex.
#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace screener::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// "debug", "info", "warn", "error", "off"; false if unknown.
bool ParseLogLevel(std::string_view name, LogLevel* level);

class Logger {
 public:
  // Writes to `out` (stderr in main), which must outlive the logger.
  explicit Logger(std::ostream& out, LogLevel level = LogLevel::kInfo) : out_(out), level_(level) {}

  bool Enabled(LogLevel level) const { return level >= level_; }

  // {"time":"...","level":"info","event":"connect",...fields}; "time",
  // "level" and "event" are the logger's own and are not taken from `fields`.
  void Log(LogLevel level, std::string_view event, nlohmann::json fields = nlohmann::json::object());
  void Debug(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
    Log(LogLevel::kDebug, event, std::move(fields));
  }
  void Info(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
    Log(LogLevel::kInfo, event, std::move(fields));
  }
  void Warn(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
    Log(LogLevel::kWarn, event, std::move(fields));
  }
  void Error(std::string_view event, nlohmann::json fields = nlohmann::json::object()) {
    Log(LogLevel::kError, event, std::move(fields));
  }

 private:
  std::mutex mu_;
  std::ostream& out_;
  LogLevel level_;
};

// Current UTC time as "2024-05-01T12:00:00.123Z".
std::string UtcNow();

}  // namespace screener::server
