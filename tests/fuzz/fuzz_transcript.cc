// libFuzzer: the golden transcript parser on any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dialogue/transcript.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto transcript = screener::ParseTranscript(text, "fuzz.txt");
  if (!transcript) (void)transcript.error();
  return 0;
}
