// POSIX file helpers shared by the conversation log (store.cc) and the
// escalation log (append_log.cc).
#pragma once

#include <string>
#include <string_view>

namespace screener::server {

// "call: strerror(error)", e.g. "write: No space left on device".
std::string ErrnoText(const char* call, int error);

// Writes all of `data` to `fd`, retrying on EINTR. "" on success, otherwise
// why, with errno left as the failed write set it. Large data goes in pieces
// of at most 64 KiB (see file_io.cc).
std::string WriteAll(int fd, std::string_view data);

// Syncs directory `dir` ("" is the current one): a new file's name only
// survives a crash once its directory is synced. "" on success, otherwise why.
std::string SyncDirectory(const std::string& dir);

}  // namespace screener::server
