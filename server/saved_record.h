// The record a store keeps for one conversation, as JSON text:
//   {"format":1,"id":...,"token_hash":...,"expires_at":<unix ms>,
//    "last_answered":<message id or -1>,"conversation":<Conversation::Save()>}
// The session id, never the token (only its SHA-256), and never message
// text. Written without a JSON tree: the persister writes one per changed
// conversation each round, the Redis store one per turn.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dialogue/conversation.h"

namespace screener::server {

std::string SavedRecord(std::string_view id, std::string_view token_hash, int64_t expires_at_unix_ms,
                        int64_t last_answered, const Conversation& conversation);

}  // namespace screener::server
