// Secrets and identifiers for sessions.
//
// A resume token is 128 bits from OpenSSL's CSPRNG, base64url without padding
// (22 characters). The server never stores or logs a token: the registry and
// the store keep its SHA-256 (TokenHash), and a lookup compares hashes in
// constant time. A session id is a separate random, non-secret name for logs,
// escalation events and file names. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace screener::server {

// 128 random bits, base64url (22 chars). Aborts if the CSPRNG fails: a
// guessable token is worse than no server.
std::string NewToken();

// 64 random bits as 16 lowercase hex characters.
std::string NewSessionId();

// SHA-256 of the token, lowercase hex (64 chars).
std::string TokenHash(std::string_view token);

// Constant-time equality (CRYPTO_memcmp) for equal lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace screener::server
