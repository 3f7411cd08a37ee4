// libFuzzer: the server's own client-frame reader (server/client_frame.h)
// against nlohmann's parser, on arbitrary bytes. Invariant: both accept the
// same inputs, and on every accepted one they read the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "server/client_frame.h"
#include "tests/server/client_frame_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  screener::server::ClientFrame frame;
  bool ok = screener::server::ParseClientFrame(text, &frame);
  std::optional<screener::server::ClientFrame> want = screener::server::testing::ReferenceFrame(text);
  if (ok != want.has_value() || (ok && !screener::server::testing::SameFrame(frame, *want))) {
    std::fprintf(stderr, "the frame reader and nlohmann disagree (reader %s, nlohmann %s)\n",
                 ok ? "accepts" : "refuses", want ? "accepts" : "refuses");
    std::abort();
  }
  return 0;
}
