// An LD_PRELOAD shim for bench/allocs.sh: counts calls to malloc (what
// operator new ends in) and writes the count to $COUNT_ALLOCS_FILE on
// SIGUSR2. Allocations per message are the one per-message cost that does
// not move with the noise of a shared VM, so small changes to the hot path
// can be compared exactly.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

extern "C" void* __libc_malloc(size_t size);

namespace {

std::atomic<long> allocations{0};

// Async-signal-safe: snprintf into a stack buffer, open, write, close.
void WriteCount(int) {
  const char* path = std::getenv("COUNT_ALLOCS_FILE");
  if (path == nullptr) return;
  char line[64];
  int n = std::snprintf(line, sizeof line, "%ld\n", allocations.load(std::memory_order_relaxed));
  int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t ignored = ::write(fd, line, static_cast<size_t>(n));
  (void)ignored;
  ::close(fd);
}

__attribute__((constructor)) void Install() { std::signal(SIGUSR2, WriteCount); }

}  // namespace

extern "C" void* malloc(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
