// Server metrics in the Prometheus text format (GET /metrics).
//
// Counters only count: no session ids, no script text, nothing personal, so
// an operator can publish them. Crisis categories come from the pattern files
// (a small fixed vocabulary), protocol errors from the fixed codes of
// docs/protocol.md. Thread-safe: plain atomics on the hot path; the crisis
// category map (rare) takes a mutex.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace screener::server {

// Every refused input or abnormal close, by kind (labels of
// screener_protocol_errors_total).
enum class ErrorKind {
  kBadJson,
  kBinaryFrame,
  kUnknownType,
  kMissingField,
  kNoConversation,
  kUnknownScript,
  kSessionExpired,
  kRateLimited,
  kUnavailable,
  kFrameTooBig,     // closed 1009
  kInvalidUtf8,     // closed 1007
  kOriginRefused,   // 403 at upgrade
  kConnectionLimit, // 503 at upgrade
  kSlowReader,      // closed: write queue over its bound
  kCount,
};

std::string_view ErrorKindName(ErrorKind kind);

class Metrics {
 public:
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> conversations_started{0};
  std::atomic<uint64_t> conversations_finished{0};
  std::atomic<uint64_t> conversations_resumed{0};
  std::atomic<uint64_t> conversations_forgotten{0};
  std::atomic<uint64_t> conversations_expired{0};
  std::atomic<uint64_t> conversations_refused{0};  // start beyond --max-conversations
  std::atomic<uint64_t> messages_in{0};
  std::atomic<uint64_t> messages_out{0};
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> escalations_logged{0};
  std::atomic<int64_t> escalations_unwritten{0};   // replied to, not yet in the log (its write failed)
  std::atomic<uint64_t> escalations_dropped{0};    // past the unwritten bound: never written to the log
  std::atomic<uint64_t> webhook_delivered{0};
  std::atomic<uint64_t> webhook_failures{0};
  std::atomic<int64_t> webhook_pending{0};    // in memory and waiting in the log
  std::atomic<int64_t> webhook_in_memory{0};  // of webhook_pending, at most --webhook-queue (see escalation.h)
  std::atomic<int64_t> conversations_live{0};

  void Error(ErrorKind kind) { errors_[static_cast<size_t>(kind)].fetch_add(1, std::memory_order_relaxed); }
  uint64_t errors(ErrorKind kind) const { return errors_[static_cast<size_t>(kind)].load(); }

  void CrisisReply(std::string_view category);

  // Time from a message's arrival to its reply being queued.
  void ObserveReplyLatency(std::chrono::nanoseconds latency);

  // The whole exposition, text format 0.0.4.
  std::string Render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ErrorKind::kCount)> errors_{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> latency_buckets_{};  // last: +Inf
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_ns_{0};
  mutable std::mutex crisis_mu_;
  std::map<std::string, uint64_t, std::less<>> crisis_by_category_;
};

}  // namespace screener::server
