// libFuzzer: client frames through the protocol layer (server/protocol.h),
// no sockets. The input is a script of lines; each line goes to one of three
// connections sharing one registry:
//   "<c>:<frame text>"  a text frame on connection c (0-2)
//   "<c>!"              a binary frame
//   "<c>#"              connection c drops (and a fresh one takes its place)
// "$TOKEN" in a frame is replaced by the last token the server handed out,
// so resumes, takeovers and rotations are reachable. Invariants: nothing
// throws or crashes; every outgoing frame is a JSON object with a "type";
// tokens are 22 base64url characters; a crisis turn carries resources; an
// escalation never carries the person's text (include-text is off); the
// registry never holds more than --max-conversations (8 here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "server/escalation.h"
#include "server/protocol.h"
#include "server/registry.h"
#include "server/server.h"
#include "server/store.h"

namespace {

using namespace screener::server;
using nlohmann::json;

std::shared_ptr<const screener::ScriptLibrary> Library() {
  static const auto library = [] {
    auto loaded = LoadLibrary(SCREENER_SOURCE_DIR "/scripts");
    if (!loaded) std::abort();
    return *loaded;
  }();
  return library;
}

struct Connection final : Attachment {
  bool taken_over = false;
  void TakenOver() override { taken_over = true; }
};

ServerOptions FuzzOptions() {
  ServerOptions o;
  o.rate = 1e9;
  o.burst = 48;
  o.max_conversations = 8;  // small enough for inputs to reach the refusal
  return o;
}

struct Env {
  // Set before the registry below is built from it.
  ServerOptions options = FuzzOptions();
  Metrics metrics;
  std::ostringstream sink;
  Logger log{sink, LogLevel::kOff};
  MemoryStore store;
  Registry registry{Library(), store, metrics, log, options.resume_window, options.save_interval,
                    options.max_conversations};
  EscalationSink escalation{"/dev/null", options, metrics, log};
  SharedState state{options, Library(), store, registry, escalation, metrics, log};
};

void Check(bool ok) {
  if (!ok) std::abort();
}

bool IsToken(const std::string& t) {
  if (t.size() != 22) return false;
  for (char c : t) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Env env;
  struct Slot {
    std::shared_ptr<Connection> conn;
    std::optional<ProtocolSession> session;
  };
  Slot slots[3];
  auto open = [&](Slot& s) {
    s.conn = std::make_shared<Connection>();
    s.session.emplace(env.state, std::weak_ptr<Attachment>(s.conn), s.conn.get());
  };
  for (Slot& s : slots) open(s);
  std::string token = "AAAAAAAAAAAAAAAAAAAAAA";
  int lines = 0;
  while (!input.empty() && lines++ < 200) {
    size_t newline = input.find('\n');
    std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    if (line.size() < 2) continue;
    Slot& slot = slots[static_cast<unsigned char>(line[0]) % 3];
    Outcome out;
    if (line[1] == '#') {
      slot.session->OnDisconnect();
      open(slot);
      continue;
    } else if (line[1] == '!') {
      out = slot.session->OnBinary();
    } else {
      std::string text(line.substr(2));
      for (size_t at; (at = text.find("$TOKEN")) != std::string::npos;) text.replace(at, 6, token);
      out = slot.session->OnText(text);
    }
    for (const std::string& f : out.frames) {
      json j = json::parse(f, nullptr, false);
      Check(!j.is_discarded() && j.is_object() && j.contains("type") && j["type"].is_string());
      const std::string& type = j["type"].get_ref<const std::string&>();
      if (type == "session") {
        Check(j.contains("token") && j["token"].is_string() && IsToken(j["token"]));
        token = j["token"];
      }
      if (type == "bot" && j.contains("crisis")) Check(j.contains("resources") && !j["resources"].empty());
    }
    if (out.escalation) Check(out.escalation->contains("id") && !out.escalation->contains("text"));
    Check(env.registry.size() <= env.options.max_conversations);
    // A takeover reaches the old connection on its strand in the server.
    for (Slot& s : slots) {
      if (s.conn->taken_over) {
        s.conn->taken_over = false;
        s.session->OnTakenOver();
      }
    }
  }
  for (Slot& s : slots) s.session->OnDisconnect();
  return 0;
}
