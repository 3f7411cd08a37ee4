#include "server/client_frame.h"

#include <locale.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace screener::server {
namespace {

using Kind = FrameField::Kind;

// A hand-written reader of one JSON object, as strict as nlohmann's parser
// (RFC 8259: no comments, no trailing commas, well-formed UTF-8, paired
// surrogate escapes, numbers that fit a double) and in agreement with it on
// every input (tests/server/client_frame_test.cc and the client_frame fuzz
// target compare the two) but one: nlohmann stops at a NUL byte as if the
// text ended there, and this reader refuses it. A frame is read without allocating, unless a
// kept string is longer than std::string's inline buffer or nesting is
// deeper than 15 levels: nlohmann's lexer allocated six times per frame.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text) {
    // nlohmann skips a UTF-8 byte order mark at the start; so does this.
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;
  }

  bool AtEnd() {
    SkipSpace();
    return i_ == s_.size();
  }

  // Consumes `c` (after white space) if it is next.
  bool Consume(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  // A string; its decoded value goes to `out` unless that is null.
  bool String(std::string* out) {
    if (!Consume('"')) return false;
    if (out) out->clear();
    size_t run = i_;  // start of the bytes not yet copied to `out`
    const auto flush = [&] {
      if (out) out->append(s_.data() + run, i_ - run);
    };
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        flush();
        ++i_;
        return true;
      }
      if (c == '\\') {
        flush();
        ++i_;
        if (!Escape(out)) return false;
        run = i_;
      } else if (c < 0x20) {
        return false;  // control characters must be escaped
      } else if (c < 0x80) {
        ++i_;
      } else {
        size_t length = Utf8Length();
        if (length == 0) return false;
        i_ += length;
      }
    }
    return false;  // no closing quote
  }

  // Any value. Its kind (and a string's or an integer's value) goes to
  // `field` unless that is null; nested values are checked and skipped.
  bool Value(FrameField* field) {
    SkipSpace();
    if (i_ == s_.size()) return false;
    if (field) *field = FrameField{};
    const char c = s_[i_];
    if (c == '{' || c == '[') {
      if (field) field->kind = Kind::kOther;
      return SkipNested();
    }
    return Scalar(field);
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }

  // A string, number, true, false or null; `field` was reset by Value().
  bool Scalar(FrameField* field) {
    const char c = s_[i_];
    if (c == '"') {
      if (!field) return String(nullptr);
      field->kind = Kind::kString;
      return String(&field->string);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return Number(field);
    std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    if (field) field->kind = c == 'n' ? Kind::kNull : Kind::kOther;
    return true;
  }

  // An object or array at the cursor, walked with an explicit stack of open
  // brackets, so deep nesting costs no recursion.
  bool SkipNested() {
    std::string open(1, s_[i_++]);  // innermost last
    bool just_opened = true;
    while (!open.empty()) {
      const bool in_object = open.back() == '{';
      if (just_opened && Consume(in_object ? '}' : ']')) {
        open.pop_back();
      } else {
        if (in_object && !(String(nullptr) && Consume(':'))) return false;
        SkipSpace();
        if (i_ == s_.size()) return false;
        if (s_[i_] == '{' || s_[i_] == '[') {
          open += s_[i_++];
          just_opened = true;
          continue;
        }
        if (!Scalar(nullptr)) return false;
      }
      // After a value: a comma, or the closing brackets of what it finished.
      just_opened = false;
      while (!open.empty() && !Consume(',')) {
        if (!Consume(open.back() == '{' ? '}' : ']')) return false;
        open.pop_back();
      }
    }
    return true;
  }

  bool Digit() const { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; }
  void SkipDigits() {
    while (Digit()) ++i_;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number(FrameField* field) {
    const size_t start = i_;
    if (s_[i_] == '-') ++i_;
    if (!Digit()) return false;
    if (s_[i_++] != '0') SkipDigits();
    bool integral = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!Digit()) return false;
      SkipDigits();
      integral = false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!Digit()) return false;
      SkipDigits();
      integral = false;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integral) {
      int64_t value = 0;
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec == std::errc() && end == last) {
        if (field) {
          field->kind = Kind::kInteger;
          field->integer = value;
        }
        return true;
      }
      uint64_t unsigned_value = 0;
      auto [uend, uec] = std::from_chars(first, last, unsigned_value);
      if (uec == std::errc() && uend == last) {  // an integer, just not one of ours
        if (field) field->kind = Kind::kOther;
        return true;
      }
    }
    // A double, then, as nlohmann reads it; one too large to be finite is an
    // error there (a number that rounds to zero is not).
    static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", nullptr);
    std::string copy(first, last);
    if (!std::isfinite(strtod_l(copy.c_str(), nullptr, c_locale))) return false;
    if (field) field->kind = Kind::kOther;
    return true;
  }

  int HexDigit() {
    if (i_ == s_.size()) return -1;
    const char c = s_[i_++];
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u"; -1 if they are not.
  int32_t Hex4() {
    int32_t value = 0;
    for (int k = 0; k < 4; ++k) {
      int d = HexDigit();
      if (d < 0) return -1;
      value = value * 16 + d;
    }
    return value;
  }

  // The escape after a backslash.
  bool Escape(std::string* out) {
    if (i_ == s_.size()) return false;
    char c = s_[i_++];
    char plain;
    switch (c) {
      case '"': plain = '"'; break;
      case '\\': plain = '\\'; break;
      case '/': plain = '/'; break;
      case 'b': plain = '\b'; break;
      case 'f': plain = '\f'; break;
      case 'n': plain = '\n'; break;
      case 'r': plain = '\r'; break;
      case 't': plain = '\t'; break;
      case 'u': return CodePoint(out);
      default: return false;
    }
    if (out) *out += plain;
    return true;
  }

  // "\uXXXX", or a surrogate pair "\uD83D\uDE00", as UTF-8.
  bool CodePoint(std::string* out) {
    int32_t cp = Hex4();
    if (cp < 0) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate with no high one
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (s_.substr(i_, 2) != "\\u") return false;
      i_ += 2;
      int32_t low = Hex4();
      if (low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (!out) return true;
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  // The length of the well-formed UTF-8 sequence at the cursor (a non-ASCII
  // lead byte), or 0 if it is not one (RFC 3629: no overlong forms, no
  // surrogates, nothing above U+10FFFF).
  size_t Utf8Length() const {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
    const unsigned char lead = b(0);
    size_t need;
    unsigned char low = 0x80, high = 0xBF;  // the range of the first continuation byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      need = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      need = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      need = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return 0;
    }
    if (i_ + need >= s_.size()) return 0;  // cut short by the end of the text
    for (size_t k = 1; k <= need; ++k) {
      if (b(k) < low || b(k) > high) return 0;
      low = 0x80;
      high = 0xBF;
    }
    return need + 1;
  }

  std::string_view s_;
  size_t i_ = 0;
};

FrameField* FieldNamed(ClientFrame* frame, std::string_view name) {
  if (name == "type") return &frame->type;
  if (name == "text") return &frame->text;
  if (name == "id") return &frame->id;
  if (name == "script") return &frame->script;
  if (name == "locale") return &frame->locale;
  if (name == "region") return &frame->region;
  if (name == "token") return &frame->token;
  return nullptr;
}

}  // namespace

bool ParseClientFrame(std::string_view text, ClientFrame* frame) {
  *frame = ClientFrame{};
  Scanner in(text);
  if (!in.Consume('{')) return false;
  if (!in.Consume('}')) {
    std::string key;
    do {
      if (!in.String(&key) || !in.Consume(':')) return false;
      // A repeated key: the last value counts, as in a parsed object.
      if (!in.Value(FieldNamed(frame, key))) return false;
    } while (in.Consume(','));
    if (!in.Consume('}')) return false;
  }
  return in.AtEnd();
}

}  // namespace screener::server
