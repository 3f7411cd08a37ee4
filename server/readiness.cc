#include "server/readiness.h"

namespace screener::server {

std::string NotReadyReason(const SharedState& state) {
  if (!state.library || state.library->empty()) return "no scripts loaded";
  if (!state.registry.saves_ok()) return "state dir not writable";
  // An escalation acknowledged but not on disk would not survive a restart:
  // let the load balancer send people elsewhere until it is written.
  if (!state.escalation.all_written()) return "escalations not written";
  if (state.stopping) return "shutting down";
  return "";
}

}  // namespace screener::server
