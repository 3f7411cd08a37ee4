// The protocol of docs/protocol.md for one connection, without any socket:
// a text frame in, the frames to send out (and an escalation event to make
// durable before sending them). The WebSocket session feeds it; tests can
// drive it directly.
//
// Not thread-safe: one per connection, used on that connection's strand.
// The conversation it works on is shared with the registry and guarded by
// the record's mutex.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/client_frame.h"
#include "server/shared_state.h"

namespace screener::server {

inline constexpr int kProtocolVersion = 1;

struct Outcome;
// The rest of a turn that waited for Redis: runs on the connection's strand
// and gives the real outcome.
using Continuation = std::function<Outcome()>;
// Called once, from any thread, when the Redis work is done.
using Resolve = std::function<void(Continuation)>;

struct Outcome {
  std::vector<std::string> frames;           // to send, in order
  std::optional<nlohmann::json> escalation;  // log (fsync) this before sending
  // With the Redis store: starts the Redis work (on its pool, never here);
  // the connection reads nothing more until the continuation has run.
  std::function<void(Resolve)> pending;
  bool taken_over = false;  // the conversation moved on elsewhere: close with 1008
};

class ProtocolSession {
 public:
  // `self` is the connection the conversation attaches to.
  ProtocolSession(SharedState& state, std::weak_ptr<Attachment> self_weak, const Attachment* self);

  // A complete text frame (valid UTF-8: the WebSocket layer checked it).
  Outcome OnText(std::string_view text);
  // A binary frame: refused, the session goes on.
  Outcome OnBinary();
  // The connection closed: the conversation becomes resumable.
  void OnDisconnect();
  // Another connection resumed the conversation: drop it here.
  void OnTakenOver();

  // The non-secret session id, or "" (for logs).
  std::string session_id() const;

  static std::string ErrorFrame(std::string_view code, std::string_view message);

 private:
  bool TakeToken();  // the rate limit
  Outcome Error(ErrorKind kind, std::string_view message);
  Outcome Start(const ClientFrame& frame);
  Outcome Message(const ClientFrame& frame);
  Outcome Resume(const ClientFrame& frame);
  Outcome Restart();
  Outcome Forget();
  // The record, if this connection still owns it (locks nothing).
  bool Owns(const ConversationRecord& record) const;
  void AddTurn(Outcome& out, ConversationRecord& record, const Turn& turn, std::optional<int64_t> reply_to,
               bool count, const std::string& text_for_event);
  std::string SessionFrame(const std::string& token, const LoadedScript& script, bool resumed) const;

  // The Redis store (state_.redis): every change is saved before its frames
  // go out (server/redis_sessions.h).
  Outcome Unavailable();
  std::string RecordText(const ConversationRecord& record, const Conversation& conversation,
                         int64_t last_answered) const;
  Outcome RedisStart(std::shared_ptr<const LoadedScript> script, const std::string& region);
  Outcome RedisAdvance(bool restart, std::optional<int64_t> id, const std::string& text);
  Outcome RedisResume(const std::string& token);
  Outcome RedisForget();
  int64_t version_ = 0;  // of record_ in Redis, as this connection last saved or loaded it

  SharedState& state_;
  std::weak_ptr<Attachment> self_weak_;
  const Attachment* self_;
  std::shared_ptr<ConversationRecord> record_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
};

}  // namespace screener::server
