#include "server/protocol.h"

#include "server/bot_frame.h"
#include "server/redis_sessions.h"
#include "server/saved_record.h"
#include "server/token.h"

namespace screener::server {

using nlohmann::json;

namespace {

// An outcome that only sends one frame.
Outcome Reply(std::string frame) {
  Outcome out;
  out.frames.push_back(std::move(frame));
  return out;
}

}  // namespace

ProtocolSession::ProtocolSession(SharedState& state, std::weak_ptr<Attachment> self_weak, const Attachment* self)
    : state_(state),
      self_weak_(std::move(self_weak)),
      self_(self),
      tokens_(state.options.burst),
      refilled_(std::chrono::steady_clock::now()) {}

std::string ProtocolSession::ErrorFrame(std::string_view code, std::string_view message) {
  return json{{"type", "error"}, {"code", code}, {"message", message}}.dump();
}

Outcome ProtocolSession::Error(ErrorKind kind, std::string_view message) {
  state_.metrics.Error(kind);
  Outcome out;
  out.frames.push_back(ErrorFrame(ErrorKindName(kind), message));
  return out;
}

std::string ProtocolSession::session_id() const { return record_ ? record_->id : std::string(); }

bool ProtocolSession::TakeToken() {
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(state_.options.burst, tokens_ + elapsed * state_.options.rate);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

Outcome ProtocolSession::OnBinary() {
  if (!TakeToken()) return Error(ErrorKind::kRateLimited, "too many messages; this one was dropped");
  return Error(ErrorKind::kBinaryFrame, "binary frames are not accepted; send JSON text frames");
}

Outcome ProtocolSession::OnText(std::string_view text) {
  if (!TakeToken()) return Error(ErrorKind::kRateLimited, "too many messages; this one was dropped");
  ClientFrame frame;
  if (!ParseClientFrame(text, &frame)) return Error(ErrorKind::kBadJson, "the frame is not a JSON object");
  if (!frame.type.is_string()) return Error(ErrorKind::kUnknownType, "the frame has no \"type\"");
  const std::string& type = frame.type.string;
  if (type == "message") return Message(frame);
  if (type == "ping") return Reply(R"({"type":"pong"})");
  if (type == "start") return Start(frame);
  if (type == "resume") return Resume(frame);
  if (type == "restart") return Restart();
  if (type == "forget") return Forget();
  return Error(ErrorKind::kUnknownType, "unknown frame type");
}

bool ProtocolSession::Owns(const ConversationRecord& record) const {
  return !record.gone && record.attached_raw == self_;
}

std::string ProtocolSession::SessionFrame(const std::string& token, const LoadedScript& loaded, bool resumed) const {
  const Script& s = loaded.script;
  return json{{"type", "session"},
              {"protocol", kProtocolVersion},
              {"token", token},
              {"resumed", resumed},
              {"script",
               {{"id", s.id},
                {"title", s.title},
                {"version", s.version},
                {"locale", s.locale},
                {"disclaimer", s.disclaimer},
                {"disclosure", s.disclosure}}}}
      .dump();
}

void ProtocolSession::AddTurn(Outcome& out, ConversationRecord& record, const Turn& turn,
                              std::optional<int64_t> reply_to, bool count, const std::string& text_for_event) {
  out.frames.push_back(BotFrame(turn, reply_to));
  if (!count) return;
  if (turn.crisis) {
    for (const std::string& c : turn.crisis->categories) state_.metrics.CrisisReply(c);
    const Conversation& conv = *record.conversation;
    json event = {{"id", NewEventId()},
                  {"time", UtcNow()},
                  {"session", record.id},
                  {"script", conv.script().script.id},
                  {"state", turn.state},
                  {"kind", TurnKindName(turn.kind)},
                  {"categories", turn.crisis->categories},
                  {"about_someone_else", turn.crisis->about_someone_else},
                  {"region", conv.options().region}};
    if (state_.options.escalation_include_text && !text_for_event.empty()) event["text"] = text_for_event;
    out.escalation = std::move(event);
  }
}

Outcome ProtocolSession::Start(const ClientFrame& frame) {
  if (!frame.script.is_string()) return Error(ErrorKind::kMissingField, "\"start\" needs \"script\" (a string)");
  std::string region;
  if (frame.region.present()) {
    if (!frame.region.is_string()) return Error(ErrorKind::kMissingField, "\"region\" must be a string");
    region = frame.region.string;
    if (region.size() > 8) return Error(ErrorKind::kMissingField, "\"region\" must be a region code such as \"US\"");
  }
  if (frame.locale.present() && !frame.locale.is_string()) {
    return Error(ErrorKind::kMissingField, "\"locale\" must be a string");
  }
  std::shared_ptr<const LoadedScript> script = state_.library->Find(frame.script.string);
  if (!script) return Error(ErrorKind::kUnknownScript, "no such script");
  if (state_.redis) return RedisStart(script, region);
  if (record_) {
    // Replaced by the new conversation: nothing should keep the old one
    // (unless another connection took it over meanwhile: then it is theirs).
    bool owns = false;
    {
      std::lock_guard lock(record_->mu);
      owns = Owns(*record_);
    }
    if (owns) state_.registry.Forget(record_);
    record_.reset();
  }
  Conversation conversation(script, ConversationOptions{region});
  Turn turn = conversation.Start();
  std::optional<Registry::Handle> handle = state_.registry.Create(std::move(conversation), self_weak_, self_);
  if (!handle) return Unavailable();  // at --max-conversations; the widget retries
  record_ = handle->record;
  state_.metrics.conversations_started++;
  state_.log.Info("conversation_start", {{"session", record_->id}, {"script", script->script.id}, {"region", region}});
  Outcome out;
  out.frames.push_back(SessionFrame(handle->token, *script, false));
  std::lock_guard lock(record_->mu);
  if (turn.ended) state_.metrics.conversations_finished++;
  AddTurn(out, *record_, turn, std::nullopt, true, std::string());
  return out;
}

Outcome ProtocolSession::Message(const ClientFrame& frame) {
  if (!frame.text.is_string()) return Error(ErrorKind::kMissingField, "\"message\" needs \"text\" (a string)");
  std::optional<int64_t> id;
  if (frame.id.present() && frame.id.kind != FrameField::Kind::kNull) {
    if (frame.id.kind != FrameField::Kind::kInteger) return Error(ErrorKind::kMissingField, "\"id\" must be an integer");
    id = frame.id.integer;
  }
  if (!record_) return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
  const std::string& text = frame.text.string;
  if (state_.redis) return RedisAdvance(false, id, text);
  std::lock_guard lock(record_->mu);
  if (!Owns(*record_)) {
    record_.reset();  // taken over or expired in the meantime
    return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
  }
  Outcome out;
  if (id && *id <= record_->last_answered) {
    // A retry of a message already answered: say the same again.
    AddTurn(out, *record_, record_->conversation->last_turn(), record_->last_answered, false, std::string());
    return out;
  }
  bool was_ended = record_->conversation->ended();
  const Turn& turn = record_->conversation->Reply(text);
  if (id) record_->last_answered = *id;
  record_->dirty = true;
  if (!was_ended && turn.ended) {
    state_.metrics.conversations_finished++;
    state_.log.Info("conversation_end", {{"session", record_->id}});
  }
  AddTurn(out, *record_, turn, id, true, text);
  return out;
}

Outcome ProtocolSession::Resume(const ClientFrame& frame) {
  if (!frame.token.is_string()) return Error(ErrorKind::kMissingField, "\"resume\" needs \"token\" (a string)");
  const std::string& token = frame.token.string;
  if (token.size() > 64) return Error(ErrorKind::kSessionExpired, "this conversation can no longer be resumed");
  if (state_.redis) return RedisResume(token);
  std::optional<Registry::Handle> handle = state_.registry.Resume(token, self_weak_, self_);
  if (!handle) return Error(ErrorKind::kSessionExpired, "this conversation can no longer be resumed");
  if (record_ && record_ != handle->record) state_.registry.Detach(record_, self_);
  record_ = handle->record;
  state_.metrics.conversations_resumed++;
  state_.log.Info("conversation_resume", {{"session", record_->id}});
  Outcome out;
  std::lock_guard lock(record_->mu);
  if (!Owns(*record_)) {  // taken over again already
    record_.reset();
    return Error(ErrorKind::kSessionExpired, "this conversation can no longer be resumed");
  }
  const Conversation& conv = *record_->conversation;
  out.frames.push_back(SessionFrame(handle->token, conv.script(), true));
  AddTurn(out, *record_, conv.last_turn(), std::nullopt, false, std::string());
  return out;
}

Outcome ProtocolSession::Restart() {
  if (!record_) return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
  if (state_.redis) return RedisAdvance(true, std::nullopt, std::string());
  std::lock_guard lock(record_->mu);
  if (!Owns(*record_)) {
    record_.reset();
    return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
  }
  Turn turn = record_->conversation->Start();
  record_->dirty = true;
  record_->last_answered = -1;
  state_.metrics.conversations_started++;
  Outcome out;
  AddTurn(out, *record_, turn, std::nullopt, true, std::string());
  return out;
}

Outcome ProtocolSession::Forget() {
  if (!record_) return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
  if (state_.redis) return RedisForget();
  bool owns = false;
  {
    std::lock_guard lock(record_->mu);
    owns = Owns(*record_);
  }
  if (!owns) {  // taken over: the conversation is another connection's now
    record_.reset();
    return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
  }
  state_.registry.Forget(record_);
  state_.metrics.conversations_forgotten++;
  state_.log.Info("conversation_forget", {{"session", record_->id}});
  record_.reset();
  return Reply(R"({"type":"forgotten"})");
}

void ProtocolSession::OnDisconnect() {
  if (record_ && state_.redis) {
    state_.redis->Detach(record_->id, self_);
    state_.redis->Touch(record_->id, record_->token_hash);  // the resume window starts now
  } else if (record_) {
    state_.registry.Detach(record_, self_);
  }
  record_.reset();
}

void ProtocolSession::OnTakenOver() { record_.reset(); }

// ---------------------------------------------------------------------------
// The Redis store. Each method does the engine's work here, on the strand,
// on a copy; Redis runs on the pool; the continuation (back on the strand)
// commits the copy only if the save succeeded.

Outcome ProtocolSession::Unavailable() {
  return Error(ErrorKind::kUnavailable, "the service is temporarily unavailable; try again in a moment");
}

std::string ProtocolSession::RecordText(const ConversationRecord& record, const Conversation& conversation,
                                        int64_t last_answered) const {
  auto expires = std::chrono::system_clock::now() + state_.options.resume_window;
  return SavedRecord(record.id, record.token_hash,
                     std::chrono::duration_cast<std::chrono::milliseconds>(expires.time_since_epoch()).count(),
                     last_answered, conversation);
}

Outcome ProtocolSession::RedisStart(std::shared_ptr<const LoadedScript> script, const std::string& region) {
  if (record_) {
    // Replaced by the new conversation (best effort: it expires anyway).
    state_.redis->Forget(record_->id, record_->token_hash, version_, [](RedisStatus) {});
    state_.redis->Detach(record_->id, self_);
    record_.reset();
  }
  Conversation conversation(script, ConversationOptions{region});
  Turn turn = conversation.Start();
  std::string token = NewToken();
  auto record = std::make_shared<ConversationRecord>(NewSessionId());
  record->token_hash = TokenHash(token);
  record->attached_raw = self_;
  std::string snapshot = RecordText(*record, conversation, -1);
  record->conversation.emplace(std::move(conversation));
  Outcome out;
  out.pending = [this, record, token, turn, script, snapshot, region](Resolve done) {
    state_.redis->Save(record->id, 0, snapshot, record->token_hash, record->token_hash,
                       [this, done, record, token, turn, script, region](RedisSessions::Saved saved) {
                         done([this, saved, record, token, turn, script, region]() -> Outcome {
                           if (saved.status != RedisStatus::kOk) return Unavailable();
                           if (record_) state_.redis->Detach(record_->id, self_);
                           record_ = record;
                           version_ = saved.version;
                           state_.redis->Attach(record->id, self_weak_, self_);
                           state_.metrics.conversations_started++;
                           state_.log.Info("conversation_start", {{"session", record->id},
                                                                  {"script", script->script.id},
                                                                  {"region", region}});
                           Outcome out;
                           out.frames.push_back(SessionFrame(token, *script, false));
                           if (turn.ended) state_.metrics.conversations_finished++;
                           std::lock_guard lock(record->mu);
                           AddTurn(out, *record, turn, std::nullopt, true, std::string());
                           return out;
                         });
                       });
  };
  return out;
}

Outcome ProtocolSession::RedisAdvance(bool restart, std::optional<int64_t> id, const std::string& text) {
  auto record = record_;
  Outcome out;
  std::lock_guard lock(record->mu);
  if (!restart && id && *id <= record->last_answered) {
    // A retry of a message already answered (and saved): say the same again.
    AddTurn(out, *record, record->conversation->last_turn(), record->last_answered, false, std::string());
    return out;
  }
  auto next = std::make_shared<Conversation>(*record->conversation);
  bool was_ended = next->ended();
  Turn turn = restart ? next->Start() : next->Reply(text);
  int64_t last = restart ? -1 : id.value_or(record->last_answered);
  std::string snapshot = RecordText(*record, *next, last);
  int64_t expected = version_;
  std::optional<int64_t> reply_to = restart ? std::nullopt : id;
  std::string event_text = text;
  out.pending = [=, this](Resolve done) {
    state_.redis->Save(record->id, expected, snapshot, record->token_hash, record->token_hash,
                       [=, this](RedisSessions::Saved saved) {
                         done([=, this]() -> Outcome {
                           if (record_ != record) return Outcome{};  // taken over here meanwhile: closing
                           if (saved.status == RedisStatus::kConflict) {
                             // Resumed on another instance (or forgotten): this
                             // connection no longer has it.
                             state_.redis->Detach(record->id, self_);
                             record_.reset();
                             Outcome out;
                             out.taken_over = true;
                             return out;
                           }
                           if (saved.status != RedisStatus::kOk) return Unavailable();
                           version_ = saved.version;
                           std::lock_guard lock(record->mu);
                           record->conversation.emplace(std::move(*next));
                           record->last_answered = last;
                           if (restart) state_.metrics.conversations_started++;
                           if (!was_ended && turn.ended) {
                             state_.metrics.conversations_finished++;
                             state_.log.Info("conversation_end", {{"session", record->id}});
                           }
                           Outcome out;
                           AddTurn(out, *record, turn, reply_to, true, event_text);
                           return out;
                         });
                       });
  };
  return out;
}

Outcome ProtocolSession::RedisResume(const std::string& token) {
  std::string hash = TokenHash(token);
  std::string new_token = NewToken();
  std::string new_hash = TokenHash(new_token);
  Outcome out;
  out.pending = [this, hash, new_token, new_hash](Resolve done) {
    state_.redis->Resume(hash, new_hash, [this, done, new_token, new_hash](RedisSessions::Loaded loaded) {
      auto shared = std::make_shared<RedisSessions::Loaded>(std::move(loaded));
      done([this, shared, new_token, new_hash]() -> Outcome {
        const RedisSessions::Loaded& loaded = *shared;
        if (loaded.status == RedisStatus::kUnavailable) return Unavailable();
        auto expired = [&] { return Error(ErrorKind::kSessionExpired, "this conversation can no longer be resumed"); };
        if (loaded.status != RedisStatus::kOk) return expired();
        const json& r = loaded.record;
        if (!r.contains("conversation") || !r["conversation"].is_object() || !r.contains("id") ||
            !r["id"].is_string()) {
          return expired();
        }
        auto script = state_.library->Find(r["conversation"].value("script", ""));
        if (!script) return expired();
        Result<Conversation> restored = Conversation::Restore(script, r["conversation"]);
        if (!restored) return expired();
        auto record = std::make_shared<ConversationRecord>(r["id"].get<std::string>());
        record->token_hash = new_hash;
        record->conversation.emplace(std::move(*restored));
        record->last_answered = r.value("last_answered", int64_t{-1});
        record->attached_raw = self_;
        if (record_ && record_->id != record->id) state_.redis->Detach(record_->id, self_);
        record_ = record;
        version_ = loaded.version;
        // Another connection of this instance had it: it is closed now.
        if (auto previous = state_.redis->Attach(record->id, self_weak_, self_)) previous->TakenOver();
        state_.metrics.conversations_resumed++;
        state_.log.Info("conversation_resume", {{"session", record->id}});
        Outcome out;
        std::lock_guard lock(record->mu);
        const Conversation& conv = *record->conversation;
        out.frames.push_back(SessionFrame(new_token, conv.script(), true));
        AddTurn(out, *record, conv.last_turn(), std::nullopt, false, std::string());
        return out;
      });
    });
  };
  return out;
}

Outcome ProtocolSession::RedisForget() {
  auto record = record_;
  Outcome out;
  out.pending = [this, record, expected = version_](Resolve done) {
    state_.redis->Forget(record->id, record->token_hash, expected, [this, done, record](RedisStatus status) {
      done([this, record, status]() -> Outcome {
        if (status == RedisStatus::kConflict) {
          state_.redis->Detach(record->id, self_);
          if (record_ == record) record_.reset();
          return Error(ErrorKind::kNoConversation, "send \"start\" or \"resume\" first");
        }
        if (status != RedisStatus::kOk) return Unavailable();
        state_.redis->Detach(record->id, self_);
        if (record_ == record) record_.reset();
        state_.metrics.conversations_forgotten++;
        state_.log.Info("conversation_forget", {{"session", record->id}});
        return Reply(R"({"type":"forgotten"})");
      });
    });
  };
  return out;
}

}  // namespace screener::server
