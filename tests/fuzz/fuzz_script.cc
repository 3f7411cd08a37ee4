// libFuzzer: script loading and validation never crash, whatever the bytes;
// a script that loads can be run for a few turns.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dialogue/lint.h"
#include "dialogue/script_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto script = screener::ParseScript(text, "fuzz.json");
  if (script) {
    (void)screener::LintScript(*script);
  } else {
    for (const auto& p : script.problems()) (void)p.ToString();
  }
  return 0;
}
