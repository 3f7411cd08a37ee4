#include "server/options.h"

#include <cmath>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dialogue/json_reader.h"

namespace screener::server {

using nlohmann::json;

namespace {

enum class Kind { kString, kInt, kNumber, kDuration, kFlag, kList, kLogLevel };

struct Option {
  const char* name;     // without "--"; also the config key
  const char* value;    // placeholder in --help
  const char* help;
  Kind kind;
  // Sets the option from a JSON value; returns an error reason or "".
  std::function<std::string(ServerOptions&, const json&)> set;
  // The default, as shown in --help.
  std::function<std::string(const ServerOptions&)> show;
};

std::string ShowDuration(Millis d) {
  auto ms = d.count();
  if (ms % 3'600'000 == 0 && ms > 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms > 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string ShowNumber(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// "500ms", "2s", "1.5s", "30m", "1h", or a plain number of seconds.
bool ParseDuration(const json& v, Millis* out) {
  if (v.is_number()) {
    double s = v.get<double>();
    if (!(s >= 0) || s > 1e9) return false;
    *out = Millis(static_cast<int64_t>(std::llround(s * 1000)));
    return true;
  }
  if (!v.is_string()) return false;
  std::string text = v.get<std::string>();
  size_t pos = 0;
  double number = 0;
  try {
    number = std::stod(text, &pos);
  } catch (...) {
    return false;
  }
  if (!(number >= 0) || number > 1e9) return false;
  std::string unit = text.substr(pos);
  double factor = 0;
  if (unit.empty() || unit == "s") factor = 1000;
  else if (unit == "ms") factor = 1;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else return false;
  *out = Millis(static_cast<int64_t>(std::llround(number * factor)));
  return true;
}

bool ToInt(const json& v, int64_t lo, int64_t hi, int64_t* out) {
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
  } else if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t pos = 0;
    try {
      *out = std::stoll(s, &pos);
    } catch (...) {
      return false;
    }
    if (pos != s.size()) return false;
  } else {
    return false;
  }
  return *out >= lo && *out <= hi;
}

bool ToNumber(const json& v, double* out) {
  if (v.is_number()) {
    *out = v.get<double>();
  } else if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t pos = 0;
    try {
      *out = std::stod(s, &pos);
    } catch (...) {
      return false;
    }
    if (pos != s.size()) return false;
  } else {
    return false;
  }
  return *out > 0 && std::isfinite(*out);
}

template <typename Field>
Option StringOption(const char* name, const char* value, const char* help, Field field) {
  return {name, value, help, Kind::kString,
          [field](ServerOptions& o, const json& v) -> std::string {
            if (!v.is_string()) return "expected a string";
            o.*field = v.get<std::string>();
            return "";
          },
          [field](const ServerOptions& o) { return (o.*field).empty() ? std::string("(none)") : o.*field; }};
}

template <typename Field>
Option IntOption(const char* name, const char* help, Field field, int64_t lo, int64_t hi) {
  return {name, "N", help, Kind::kInt,
          [field, lo, hi](ServerOptions& o, const json& v) -> std::string {
            int64_t n = 0;
            if (!ToInt(v, lo, hi, &n)) return "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
            o.*field = static_cast<std::remove_reference_t<decltype(o.*field)>>(n);
            return "";
          },
          [field](const ServerOptions& o) { return std::to_string(o.*field); }};
}

template <typename Field>
Option NumberOption(const char* name, const char* help, Field field) {
  return {name, "X", help, Kind::kNumber,
          [field](ServerOptions& o, const json& v) -> std::string {
            double n = 0;
            if (!ToNumber(v, &n)) return "expected a positive number";
            o.*field = n;
            return "";
          },
          [field](const ServerOptions& o) { return ShowNumber(o.*field); }};
}

template <typename Field>
Option DurationOption(const char* name, const char* help, Field field) {
  return {name, "TIME", help, Kind::kDuration,
          [field](ServerOptions& o, const json& v) -> std::string {
            Millis d{};
            if (!ParseDuration(v, &d)) return "expected a duration such as 500ms, 10s, 30m, 1h (a number means seconds)";
            o.*field = d;
            return "";
          },
          [field](const ServerOptions& o) { return ShowDuration(o.*field); }};
}

const std::vector<Option>& Options() {
  static const std::vector<Option> kOptions = {
      StringOption("bind", "ADDR", "address to listen on", &ServerOptions::bind),
      IntOption("port", "TCP port (0: any free port)", &ServerOptions::port, 0, 65535),
      StringOption("scripts", "DIR", "folder of dialogue scripts (*.json)", &ServerOptions::scripts),
      StringOption("web", "DIR", "static files: / serves DIR/index.html", &ServerOptions::web),
      StringOption("state-dir", "DIR", "saved conversations and the escalation log (created if missing)",
                   &ServerOptions::state_dir),
      {"allowed-origin", "ORIGIN",
       "a page origin allowed to open /ws, e.g. https://example.org (repeatable; the server's own origin is "
       "always allowed, requests without Origin too)",
       Kind::kList,
       [](ServerOptions& o, const json& v) -> std::string {
         if (v.is_string()) {
           o.allowed_origins.push_back(v.get<std::string>());
           return "";
         }
         if (!v.is_array()) return "expected a string or a list of strings";
         for (const json& item : v) {
           if (!item.is_string()) return "expected a list of strings";
           o.allowed_origins.push_back(item.get<std::string>());
         }
         return "";
       },
       [](const ServerOptions&) { return std::string("(own origin only)"); }},
      IntOption("threads", "network threads (0: one per core)", &ServerOptions::threads, 0, 256),
      IntOption("max-connections", "open WebSocket connections; more are refused with 503",
                &ServerOptions::max_connections, 1, 10'000'000),
      IntOption("max-conversations",
                "conversations held at once, attached or resumable; a start beyond it gets \"unavailable\"",
                &ServerOptions::max_conversations, 1, 100'000'000),
      IntOption("max-frame", "largest text frame in bytes; larger closes with 1009", &ServerOptions::max_frame, 64,
                16 * 1024 * 1024),
      NumberOption("rate", "messages per second per connection (token bucket refill)", &ServerOptions::rate),
      NumberOption("burst", "token bucket size: messages allowed at once", &ServerOptions::burst),
      IntOption("write-queue", "frames queued for a slow reader before its connection is closed",
                &ServerOptions::write_queue, 4, 100000),
      DurationOption("handshake-timeout", "TLS, HTTP request and WebSocket handshake", &ServerOptions::handshake_timeout),
      DurationOption("idle-timeout", "close a WebSocket silent for this long", &ServerOptions::idle_timeout),
      DurationOption("resume-window", "how long a conversation can be resumed after its connection dropped",
                     &ServerOptions::resume_window),
      DurationOption("save-interval", "how often changed conversations are saved to the state dir",
                     &ServerOptions::save_interval),
      StringOption("webhook-url", "URL", "POST each escalation event here as JSON (http:// or https://)",
                   &ServerOptions::webhook_url),
      DurationOption("webhook-timeout", "one webhook attempt", &ServerOptions::webhook_timeout),
      DurationOption("webhook-backoff", "first retry delay (doubles each failure)", &ServerOptions::webhook_backoff),
      DurationOption("webhook-backoff-max", "longest retry delay", &ServerOptions::webhook_backoff_max),
      IntOption("webhook-queue", "escalation events held in memory for the webhook; more wait in the log",
                &ServerOptions::webhook_queue, 1, 1000000),
      {"escalation-include-text", "", "put the person's message text in escalation events (off by default)",
       Kind::kFlag,
       [](ServerOptions& o, const json& v) -> std::string {
         if (!v.is_boolean()) return "expected true or false";
         o.escalation_include_text = v.get<bool>();
         return "";
       },
       [](const ServerOptions& o) { return std::string(o.escalation_include_text ? "on" : "off"); }},
      StringOption("tls-cert", "FILE", "PEM certificate chain: serve https:// and wss:// (needs --tls-key)",
                   &ServerOptions::tls_cert),
      StringOption("tls-key", "FILE", "PEM private key", &ServerOptions::tls_key),
      StringOption("store", "URL",
                   "redis://HOST:PORT/DB: conversations and escalations in Redis, shared by several instances",
                   &ServerOptions::store),
      DurationOption("store-timeout", "one Redis operation; slower answers the client \"unavailable\"",
                     &ServerOptions::store_timeout),
      DurationOption("escalation-claim-idle",
                     "with --store: an escalation another instance read but did not deliver this long is taken over",
                     &ServerOptions::escalation_claim_idle),
      {"log-level", "LEVEL", "debug, info, warn, error or off", Kind::kLogLevel,
       [](ServerOptions& o, const json& v) -> std::string {
         if (!v.is_string() || !ParseLogLevel(v.get<std::string>(), &o.log_level)) {
           return "expected debug, info, warn, error or off";
         }
         return "";
       },
       [](const ServerOptions& o) {
         static constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
         return std::string(kNames[static_cast<int>(o.log_level)]);
       }},
  };
  return kOptions;
}

const Option* FindOption(std::string_view name) {
  for (const Option& o : Options()) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

Problems Validate(const ServerOptions& o) {
  Problems problems;
  if (o.tls_cert.empty() != o.tls_key.empty()) problems.push_back({"", "", "--tls-cert and --tls-key go together"});
  if (!o.webhook_url.empty() && o.webhook_url.rfind("http://", 0) != 0 && o.webhook_url.rfind("https://", 0) != 0) {
    problems.push_back({"", "", "--webhook-url: must start with http:// or https://"});
  }
  if (o.resume_window.count() <= 0) problems.push_back({"", "", "--resume-window: must be positive"});
  if (o.save_interval.count() <= 0) problems.push_back({"", "", "--save-interval: must be positive"});
  if (o.idle_timeout.count() <= 0) problems.push_back({"", "", "--idle-timeout: must be positive"});
  if (o.handshake_timeout.count() <= 0) problems.push_back({"", "", "--handshake-timeout: must be positive"});
  if (!o.store.empty() && o.store.rfind("redis://", 0) != 0) {
    problems.push_back({"", "", "--store: expected redis://HOST:PORT/DB"});
  }
  if (o.store_timeout.count() <= 0) problems.push_back({"", "", "--store-timeout: must be positive"});
  return problems;
}

}  // namespace

Problems ApplyConfig(const std::string& file, const std::string& text, ServerOptions& options) {
  Problems problems;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return {Problem{file, "", "not valid JSON"}};
  if (!doc.is_object()) return {Problem{file, "", "expected a JSON object of options"}};
  for (const auto& [key, value] : doc.items()) {
    std::string pointer = PointerAppend("", key);
    const Option* option = FindOption(key);
    if (!option || key == "config") {
      problems.push_back({file, pointer, "unknown option"});
      continue;
    }
    if (std::string reason = option->set(options, value); !reason.empty()) {
      problems.push_back({file, pointer, reason});
    }
  }
  return problems;
}

Result<ParsedArgs> ParseArgs(int argc, const char* const* argv) {
  ParsedArgs parsed;
  Problems problems;
  std::vector<std::pair<std::string, std::string>> flags;  // name, value ("" for flags)
  std::string config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (arg == "--version") {
      parsed.version = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      problems.push_back({"", "", "unexpected argument \"" + arg + "\" (see --help)"});
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "config") {
      if (!value) {
        if (i + 1 >= argc) {
          problems.push_back({"", "", "--config: needs a file"});
          continue;
        }
        value = argv[++i];
      }
      config = *value;
      continue;
    }
    const Option* option = FindOption(name);
    if (!option) {
      problems.push_back({"", "", "unknown option --" + name + " (see --help)"});
      continue;
    }
    if (option->kind == Kind::kFlag) {
      flags.emplace_back(name, value.value_or("true"));
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) {
        problems.push_back({"", "", "--" + name + ": needs a value"});
        continue;
      }
      value = argv[++i];
    }
    flags.emplace_back(name, *value);
  }
  if (!config.empty()) {
    Result<std::string> text = ReadFileText(config);
    if (!text) {
      problems.insert(problems.end(), text.problems().begin(), text.problems().end());
    } else {
      Problems p = ApplyConfig(config, *text, parsed.options);
      problems.insert(problems.end(), p.begin(), p.end());
    }
  }
  bool origins_from_cli = false;
  for (const auto& [name, value] : flags) {
    const Option* option = FindOption(name);
    json v = value;
    if (option->kind == Kind::kFlag) {
      if (value != "true" && value != "false") {
        problems.push_back({"", "", "--" + name + ": expected true or false"});
        continue;
      }
      v = value == "true";
    }
    if (option->kind == Kind::kList && !origins_from_cli) {
      parsed.options.allowed_origins.clear();  // the command line replaces the file's list
      origins_from_cli = true;
    }
    if (std::string reason = option->set(parsed.options, v); !reason.empty()) {
      problems.push_back({"", "", "--" + name + ": " + reason});
    }
  }
  if (problems.empty() && !parsed.help && !parsed.version) problems = Validate(parsed.options);
  if (!problems.empty()) return problems;
  return parsed;
}

std::string HelpText() {
  ServerOptions defaults;
  std::string out =
      "usage: screener-server [options]\n"
      "\n"
      "Serves the screening conversations over WebSocket (GET /ws), the web page\n"
      "and widget (GET /, /widget.js), /healthz, /readyz, /version and /metrics.\n"
      "Every option can also be set in a JSON file: {\"port\": 8080, \"allowed-origin\": [\"https://example.org\"]}.\n"
      "Durations: 500ms, 10s, 30m, 1h (a bare number means seconds).\n"
      "\n"
      "options:\n"
      "  --config FILE                   read options from a JSON file first (the command line wins)\n";
  for (const Option& o : Options()) {
    std::string left = std::string("  --") + o.name;
    if (*o.value) left += std::string(" ") + o.value;
    if (left.size() < 34) left.resize(34, ' ');
    else left += ' ';
    out += left + o.help + " [default: " + o.show(defaults) + "]\n";
  }
  out += "  --version                       print the version and exit\n";
  out += "  --help                          show this help\n";
  return out;
}

}  // namespace screener::server
