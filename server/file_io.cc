#include "server/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace screener::server {

namespace {

// The kernel here runs without preemption (PREEMPT_NONE is common on
// servers), so one write(2) of a save round's megabytes holds its core for
// milliseconds, and a network thread sharing that core waits the whole time.
// A syscall's return lets it in.
constexpr size_t kWriteChunk = 64 * 1024;

}  // namespace

std::string ErrnoText(const char* call, int error) { return std::string(call) + ": " + std::strerror(error); }

std::string WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), std::min(data.size(), kWriteChunk));
    if (n < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      std::string why = ErrnoText("write", error);
      errno = error;  // for callers that report errno themselves
      return why;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return "";
}

std::string SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoText("open directory", errno);
  std::string why = ::fsync(fd) == 0 ? "" : ErrnoText("fsync directory", errno);
  ::close(fd);
  return why;
}

}  // namespace screener::server
