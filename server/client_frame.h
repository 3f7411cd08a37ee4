// A client frame, read straight from its text: the top-level fields the
// protocol looks at, and what kind of value each one holds.
//
// Every message a person sends arrives as one of these, so the frame is
// read by a small strict reader of its own, without building a JSON tree or
// allocating: it accepts exactly what nlohmann's parser accepts, and agrees
// with a parsed tree on every field. Other fields, and everything nested,
// are checked for syntax and skipped. When a key repeats, the last value
// counts, as in a parsed object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace screener::server {

struct FrameField {
  enum class Kind { kAbsent, kString, kInteger, kNull, kOther };

  Kind kind = Kind::kAbsent;
  std::string string;   // when kString
  int64_t integer = 0;  // when kInteger (an integer that fits in 64 signed bits)

  bool present() const { return kind != Kind::kAbsent; }
  bool is_string() const { return kind == Kind::kString; }
};

struct ClientFrame {
  FrameField type;
  FrameField text;
  FrameField id;
  FrameField script;
  FrameField locale;
  FrameField region;
  FrameField token;
};

// False, and `frame` unspecified, unless `text` is one well-formed JSON object.
bool ParseClientFrame(std::string_view text, ClientFrame* frame);

}  // namespace screener::server
