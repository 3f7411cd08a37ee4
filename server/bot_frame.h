// The "bot" frame, written straight into a string. It is sent for every
// message, and building it as a JSON tree and then dumping it (TurnToJson)
// cost more CPU than the engine's whole step; this writes the same JSON,
// field for field, with no intermediate tree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dialogue/turn.h"

namespace screener::server {

// {"type":"bot", TurnToJson(turn)'s fields, "reply_to": id if given}.
// Invalid UTF-8 in any text becomes U+FFFD, as json::dump's replace mode does.
std::string BotFrame(const Turn& turn, std::optional<int64_t> reply_to);

}  // namespace screener::server
