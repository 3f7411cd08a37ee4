#include "server/metrics.h"

#include <cstdio>

namespace screener::server {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadJson: return "bad_json";
    case ErrorKind::kBinaryFrame: return "binary_frame";
    case ErrorKind::kUnknownType: return "unknown_type";
    case ErrorKind::kMissingField: return "missing_field";
    case ErrorKind::kNoConversation: return "no_conversation";
    case ErrorKind::kUnknownScript: return "unknown_script";
    case ErrorKind::kSessionExpired: return "session_expired";
    case ErrorKind::kRateLimited: return "rate_limited";
    case ErrorKind::kUnavailable: return "unavailable";
    case ErrorKind::kFrameTooBig: return "frame_too_big";
    case ErrorKind::kInvalidUtf8: return "invalid_utf8";
    case ErrorKind::kOriginRefused: return "origin_refused";
    case ErrorKind::kConnectionLimit: return "connection_limit";
    case ErrorKind::kSlowReader: return "slow_reader";
    case ErrorKind::kCount: break;
  }
  return "unknown";
}

void Metrics::CrisisReply(std::string_view category) {
  std::lock_guard lock(crisis_mu_);
  auto it = crisis_by_category_.find(category);
  if (it == crisis_by_category_.end()) it = crisis_by_category_.emplace(std::string(category), 0).first;
  ++it->second;
}

void Metrics::ObserveReplyLatency(std::chrono::nanoseconds latency) {
  double seconds = std::chrono::duration<double>(latency).count();
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  latency_buckets_[i].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
}

namespace {

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Sample(std::string& out, const std::string& name, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += name;
  out += ' ';
  out += buf;
  out += '\n';
}

void Simple(std::string& out, const char* name, const char* type, const char* help, double value) {
  Family(out, name, type, help);
  Sample(out, name, value);
}

// Label values here are fixed vocabularies, but escape anyway.
std::string Escape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string Metrics::Render() const {
  std::string out;
  out.reserve(4096);
  Simple(out, "screener_connections_open", "gauge", "Open WebSocket connections.", connections_open.load());
  Simple(out, "screener_connections_total", "counter", "WebSocket connections accepted.", connections_total.load());
  Simple(out, "screener_conversations_live", "gauge", "Conversations held in memory (attached or resumable).",
         conversations_live.load());
  Simple(out, "screener_conversations_started_total", "counter", "Conversations started (start or restart).",
         conversations_started.load());
  Simple(out, "screener_conversations_finished_total", "counter", "Conversations that reached an end state.",
         conversations_finished.load());
  Simple(out, "screener_conversations_resumed_total", "counter", "Successful resumes.", conversations_resumed.load());
  Simple(out, "screener_conversations_forgotten_total", "counter", "Conversations deleted by forget.",
         conversations_forgotten.load());
  Simple(out, "screener_conversations_expired_total", "counter", "Detached conversations that expired.",
         conversations_expired.load());
  Simple(out, "screener_conversations_refused_total", "counter",
         "Starts refused because the server held --max-conversations conversations.",
         conversations_refused.load());
  Simple(out, "screener_messages_in_total", "counter", "WebSocket frames received from clients.", messages_in.load());
  Simple(out, "screener_messages_out_total", "counter", "WebSocket frames sent to clients.", messages_out.load());
  Simple(out, "screener_http_requests_total", "counter", "Plain HTTP requests served.", http_requests.load());
  Simple(out, "screener_escalations_total", "counter", "Escalation events written to the log.",
         escalations_logged.load());
  Simple(out, "screener_escalations_unwritten", "gauge",
         "Escalation events replied to whose log write failed, waiting to be written.",
         escalations_unwritten.load());
  Simple(out, "screener_escalations_dropped_total", "counter",
         "Escalation events never written to the log: the unwritten backlog was full.",
         escalations_dropped.load());
  Simple(out, "screener_webhook_delivered_total", "counter", "Escalation events delivered to the webhook.",
         webhook_delivered.load());
  Simple(out, "screener_webhook_failures_total", "counter", "Failed webhook delivery attempts.",
         webhook_failures.load());
  Simple(out, "screener_webhook_pending", "gauge", "Escalation events waiting for webhook delivery.",
         webhook_pending.load());
  Simple(out, "screener_webhook_in_memory", "gauge",
         "Of the events waiting for the webhook, those held in memory (the rest are read back from the log).",
         webhook_in_memory.load());

  Family(out, "screener_crisis_replies_total", "counter", "Crisis replies, by category.");
  {
    std::lock_guard lock(crisis_mu_);
    for (const auto& [category, n] : crisis_by_category_) {
      Sample(out, "screener_crisis_replies_total{category=\"" + Escape(category) + "\"}", static_cast<double>(n));
    }
  }
  Family(out, "screener_protocol_errors_total", "counter", "Refused inputs and abnormal closes, by kind.");
  for (size_t i = 0; i < errors_.size(); ++i) {
    Sample(out, "screener_protocol_errors_total{kind=\"" + std::string(ErrorKindName(static_cast<ErrorKind>(i))) + "\"}",
           static_cast<double>(errors_[i].load()));
  }
  Family(out, "screener_reply_latency_seconds", "histogram",
         "Time from a client frame's arrival to the reply being queued.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < latency_buckets_.size(); ++i) {
    cumulative += latency_buckets_[i].load();
    char le[32];
    if (i < kBuckets.size()) {
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    Sample(out, std::string("screener_reply_latency_seconds_bucket{le=\"") + le + "\"}", static_cast<double>(cumulative));
  }
  Sample(out, "screener_reply_latency_seconds_sum", static_cast<double>(latency_sum_ns_.load()) / 1e9);
  Sample(out, "screener_reply_latency_seconds_count", static_cast<double>(latency_count_.load()));
  return out;
}

}  // namespace screener::server
