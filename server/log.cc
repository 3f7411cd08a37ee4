#include "server/log.h"

#include <chrono>
#include <ctime>

#include "dialogue/json_writer.h"

namespace screener::server {

bool ParseLogLevel(std::string_view name, LogLevel* level) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {
      {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo}, {"warn", LogLevel::kWarn},
      {"error", LogLevel::kError}, {"off", LogLevel::kOff}};
  for (const auto& [n, l] : kNames) {
    if (n == name) {
      *level = l;
      return true;
    }
  }
  return false;
}

std::string UtcNow() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

namespace {

// Nested values as well: a field may hold an array (escalation categories).
void WriteValue(JsonWriter& j, const nlohmann::json& v) {
  using Type = nlohmann::json::value_t;
  switch (v.type()) {
    case Type::object:
      j.Open('{');
      for (auto it = v.begin(); it != v.end(); ++it) {
        j.Key(it.key());
        WriteValue(j, it.value());
      }
      j.Close('}');
      break;
    case Type::array:
      j.Open('[');
      for (const nlohmann::json& item : v) WriteValue(j, item);
      j.Close(']');
      break;
    case Type::string: j.String(v.get_ref<const std::string&>()); break;
    case Type::boolean: j.Bool(v.get<bool>()); break;
    case Type::number_integer: j.Int(v.get<int64_t>()); break;
    case Type::number_unsigned: j.Uint(v.get<uint64_t>()); break;
    case Type::number_float: j.Double(v.get<double>()); break;
    default: j.Null(); break;  // null, binary, discarded
  }
}

}  // namespace

void Logger::Log(LogLevel level, std::string_view event, nlohmann::json fields) {
  if (!Enabled(level)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
  // Written straight to text (no tree around `fields`): there are lines for
  // every connection and conversation.
  std::string text;
  text.reserve(192);
  JsonWriter j(&text);
  j.Open('{').Key("time").String(UtcNow()).Key("level").String(kNames[static_cast<int>(level)]);
  j.Key("event").String(event);
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (it.key() == "time" || it.key() == "level" || it.key() == "event") continue;  // the logger's own
      j.Key(it.key());
      WriteValue(j, it.value());
    }
  }
  j.Close('}');
  text += '\n';
  std::lock_guard lock(mu_);
  out_ << text << std::flush;
}

}  // namespace screener::server
