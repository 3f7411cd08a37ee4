// GET /readyz: whether this instance should get traffic now, and if not, why.
//
// Reads only what the background threads already found out (the persister's
// last save round, the escalation writer's backlog), so the request path
// never touches the disk.
#pragma once

#include <string>

#include "server/shared_state.h"

namespace screener::server {

// "" when ready; otherwise the reason, one line without a newline.
std::string NotReadyReason(const SharedState& state);

}  // namespace screener::server
