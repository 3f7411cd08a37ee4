// An append-only file of JSON lines, written in synced batches: the
// escalation log.
//
// Append() writes whole lines and fdatasyncs them. It either succeeds or
// leaves the file as it was before the call: whatever a failed write or sync
// left behind is cut off again, so bytes whose sync failed are never taken
// for durable (after a failed fsync Linux may drop the dirty pages and report
// the next fsync clean) and a retry never lands on a torn line. If the file
// cannot be cut back (or a crash tore its last line), the next append starts
// with a newline, so the fragment stays a line of its own that readers skip
// instead of swallowing the next event.
//
// Before each batch it checks that the path still names the open file and
// opens it again if not (moved away, replaced, the state dir recreated):
// lines must go where the next start reads them, not into an unlinked file.
// While the path cannot be opened (a directory in its place, the state dir
// gone) every append fails, and the first one after it comes back succeeds.
//
// Not thread-safe: one writer thread.
#pragma once

#include <string>
#include <string_view>

namespace screener::server {

class AppendLog {
 public:
  explicit AppendLog(std::string path) : path_(std::move(path)) {}
  ~AppendLog();
  AppendLog(const AppendLog&) = delete;
  AppendLog& operator=(const AppendLog&) = delete;

  // Opens (creating, mode 0600) the file. "" on success, otherwise why.
  std::string Open();

  // Appends `lines` (whole lines, each ending in '\n') and syncs them.
  // "" on success, otherwise why ("write: No space left on device").
  std::string Append(std::string_view lines);

  const std::string& path() const { return path_; }

 private:
  std::string OpenIfMoved();  // "" when fd_ is the file at path_
  void Close();

  const std::string path_;
  int fd_ = -1;
  bool torn_ = false;          // the file may end inside a line: start the next append with '\n'
  bool dir_unsynced_ = false;  // created by us: sync its directory with the first append
};

}  // namespace screener::server
