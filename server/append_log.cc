#include "server/append_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "server/file_io.h"

namespace screener::server {

namespace {

// True if the file ends inside a line (a crash or an append that could not
// be cut back left half a line).
bool EndsInsideALine(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return false;
  char last = 0;
  return ::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
}

}  // namespace

AppendLog::~AppendLog() { Close(); }

void AppendLog::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string AppendLog::Open() {
  Close();
  return OpenIfMoved();
}

std::string AppendLog::OpenIfMoved() {
  struct stat at_path {};
  bool exists = ::stat(path_.c_str(), &at_path) == 0;
  if (fd_ >= 0) {
    struct stat open {};
    if (exists && ::fstat(fd_, &open) == 0 && open.st_dev == at_path.st_dev && open.st_ino == at_path.st_ino) {
      return "";
    }
    Close();
  }
  // Read access too: to see whether the file ends inside a line.
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoText("open", errno);
  fd_ = fd;
  torn_ = EndsInsideALine(fd_);
  if (!exists) dir_unsynced_ = true;
  return "";
}

std::string AppendLog::Append(std::string_view lines) {
  if (std::string why = OpenIfMoved(); !why.empty()) return why;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return ErrnoText("fstat", errno);
  const off_t before = st.st_size;
  std::string why;
  if (torn_) why = WriteAll(fd_, "\n");
  if (why.empty()) why = WriteAll(fd_, lines);
  if (why.empty() && ::fdatasync(fd_) != 0) why = ErrnoText("fdatasync", errno);
  if (why.empty() && dir_unsynced_) why = SyncDirectory(std::filesystem::path(path_).parent_path().string());
  if (why.empty()) {
    torn_ = false;
    dir_unsynced_ = false;
    return "";
  }
  // Nothing of a failed attempt stays: the caller writes these lines again.
  if (::ftruncate(fd_, before) != 0) torn_ = true;
  return why;
}

}  // namespace screener::server
