// A small append-only JSON text writer, for the JSON the server writes on
// every message (the "bot" frame) and in every save round (conversation
// records): building an nlohmann tree and dumping it cost more CPU than the
// dialogue engine's whole step. The caller gets the nesting right; the writer
// the commas and the escaping. Its output parses to what json::dump would
// write for the same values (tests/dialogue/json_writer_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace screener {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(*out) {}

  JsonWriter& Open(char bracket);   // '{' or '['
  JsonWriter& Close(char bracket);  // '}' or ']'
  // A member's name, escaped as String() escapes.
  JsonWriter& Key(std::string_view key);
  // Escapes as json::dump does; an ill-formed UTF-8 sequence becomes U+FFFD,
  // as json::dump's replace mode does (json::dump's default would throw).
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  // The shortest text that reads back as `v` (with ".0" on whole numbers, as
  // json::dump writes them); null for infinities and NaN, as json::dump.
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  JsonWriter& Strings(const std::vector<std::string>& list);

 private:
  void AppendEscaped(std::string_view s);
  void Separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace screener
