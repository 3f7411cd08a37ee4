// Names the calling thread, so that `top -H`, `perf` and `gdb` show which of
// the server's threads is busy (network, persister, escalation writer, ...).
#pragma once

#include <pthread.h>

namespace screener::server {

// Linux keeps at most 15 characters; longer names are cut.
inline void NameThisThread(const char* name) {
  char shortened[16] = {};
  for (int i = 0; i < 15 && name[i] != '\0'; ++i) shortened[i] = name[i];
  ::pthread_setname_np(::pthread_self(), shortened);
}

}  // namespace screener::server
