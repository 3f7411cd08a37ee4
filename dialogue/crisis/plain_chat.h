// The normaliser's fastest path: most chat messages are plain ASCII letters,
// single spaces and ordinary punctuation, and their canonical form is simply
// the message in lower case. Recognising that takes one vectorised pass.
#pragma once

#include <string>
#include <string_view>

namespace screener::crisis {

// Writes the message in lower case to *out and returns true when the message
// is plain chat: at most kMaxPlainChatBytes bytes of ASCII letters, single
// spaces (none leading or trailing) and punctuation other than @ $ ! | `,
// with no punctuation mark repeated, no letter three times in a row, and no
// two one-letter words joined by one or two separators (perhaps spaced
// letters, "k i l l").
// Otherwise returns false and leaves *out unspecified: the general path
// decides. Where it returns true, the result equals the general path's.
inline constexpr size_t kMaxPlainChatBytes = 2048;
bool LowercasePlainChat(std::string_view message, std::string* out);

}  // namespace screener::crisis
