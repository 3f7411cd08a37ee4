#include "dialogue/json_writer.h"

#include <charconv>
#include <cmath>

namespace screener {

namespace {

// The UTF-8 sequence starting with the non-ASCII byte s[i]: its length and
// whether it is well formed. An ill-formed one is its maximal subpart (the
// lead byte and the continuation bytes that were still possible), replaced
// by one U+FFFD, as the Unicode standard recommends and json::dump does.
struct Sequence {
  size_t length;
  bool valid;
};

Sequence Utf8Sequence(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = b(i);
  size_t need = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the first continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {1, false};
  }
  size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size() || b(i + k) < low || b(i + k) > high) return {k, false};
    low = 0x80;
    high = 0xBF;
  }
  return {k, true};
}

}  // namespace

JsonWriter& JsonWriter::Open(char bracket) {
  Separate();
  out_ += bracket;
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::Close(char bracket) {
  out_ += bracket;
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  String(key);
  out_ += ':';
  first_ = true;  // the value follows without a comma
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Separate();
  out_ += '"';
  AppendEscaped(s);
  out_ += '"';
  return *this;
}

void JsonWriter::AppendEscaped(std::string_view s) {
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    Sequence sequence{1, false};
    if (c >= 0x80) {
      sequence = Utf8Sequence(s, i);
      if (sequence.valid) {
        i += sequence.length;
        continue;
      }
    }
    out_.append(s.substr(plain, i - plain));
    if (c == '"') {
      out_ += "\\\"";
    } else if (c == '\\') {
      out_ += "\\\\";
    } else if (c >= 0x80) {
      out_ += "\xEF\xBF\xBD";  // U+FFFD for an ill-formed sequence
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      switch (c) {
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        default:
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 0xF];
      }
    }
    i += sequence.length;
    plain = i;
  }
  out_.append(s.substr(plain));
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Separate();
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out_.append(digits, end);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t v) {
  Separate();
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out_.append(digits, end);
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  if (!std::isfinite(v)) return Null();
  Separate();
  char digits[32];
  char* end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  std::string_view text(digits, static_cast<size_t>(end - digits));
  out_ += text;
  if (text.find_first_of(".e") == std::string_view::npos) out_ += ".0";
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  Separate();
  out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  Separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Strings(const std::vector<std::string>& list) {
  Open('[');
  for (const std::string& s : list) String(s);
  return Close(']');
}

}  // namespace screener
