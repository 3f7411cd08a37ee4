#include "server/bot_frame.h"

#include <string_view>

namespace screener::server {

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

// A small append-only JSON writer: the caller gets the nesting right, the
// writer the commas and the escaping.
class JsonOut {
 public:
  explicit JsonOut(std::string* out) : out_(*out) {}

  JsonOut& Open(char bracket) {
    Separate();
    out_ += bracket;
    first_ = true;
    return *this;
  }
  JsonOut& Close(char bracket) {
    out_ += bracket;
    first_ = false;
    return *this;
  }
  JsonOut& Key(std::string_view key) {
    Separate();
    out_ += '"';
    out_.append(key);  // keys are literals of this file: nothing to escape
    out_ += "\":";
    first_ = true;  // the value follows without a comma
    return *this;
  }
  JsonOut& String(std::string_view s) {
    Separate();
    out_ += '"';
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
    out_ += '"';
    return *this;
  }
  JsonOut& Int(int64_t v) {
    Separate();
    out_ += std::to_string(v);
    return *this;
  }
  JsonOut& Bool(bool v) {
    Separate();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonOut& Null() {
    Separate();
    out_ += "null";
    return *this;
  }
  JsonOut& Strings(const std::vector<std::string>& list) {
    Open('[');
    for (const std::string& s : list) String(s);
    return Close(']');
  }

 private:
  void Separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

void WriteResource(JsonOut& j, const crisis::Resource& r) {
  j.Open('{');
  j.Key("name").String(r.name).Key("description").String(r.description);
  if (!r.phone.empty()) j.Key("phone").String(r.phone);
  if (!r.sms.empty()) j.Key("sms").String(r.sms);
  if (!r.sms_body.empty()) j.Key("sms_body").String(r.sms_body);
  if (!r.url.empty()) j.Key("url").String(r.url);
  if (!r.hours.empty()) j.Key("hours").String(r.hours);
  if (r.emergency) j.Key("emergency").Bool(true);
  if (!r.languages.empty()) j.Key("languages").Strings(r.languages);
  j.Close('}');
}

void WriteResources(JsonOut& j, const std::vector<crisis::Resource>& resources) {
  j.Open('[');
  for (const crisis::Resource& r : resources) WriteResource(j, r);
  j.Close(']');
}

}  // namespace

std::string BotFrame(const Turn& turn, std::optional<int64_t> reply_to) {
  std::string out;
  out.reserve(512);
  JsonOut j(&out);
  j.Open('{');
  j.Key("type").String("bot");
  j.Key("kind").String(TurnKindName(turn.kind));
  j.Key("messages").Strings(turn.messages);
  j.Key("quick_replies").Open('[');
  for (const QuickReply& q : turn.quick_replies) {
    j.Open('{').Key("label").String(q.label);
    if (!q.key.empty()) j.Key("key").String(q.key);
    j.Close('}');
  }
  j.Close(']');
  j.Key("progress");
  if (turn.progress) {
    j.Open('{').Key("step").Int(turn.progress->step).Key("of").Int(turn.progress->of).Close('}');
  } else {
    j.Null();
  }
  j.Key("state").String(turn.state);
  j.Key("ended").Bool(turn.ended);
  j.Key("crisis_active").Bool(turn.crisis_active);
  if (turn.crisis) {
    const CrisisNotice& c = *turn.crisis;
    j.Key("crisis").Open('{');
    j.Key("categories").Strings(c.categories);
    j.Key("text").String(c.text);
    j.Key("about_someone_else").Bool(c.about_someone_else);
    j.Key("source").String(c.source == CrisisNotice::Source::kAnswer ? "answer" : "message");
    j.Key("resources");
    WriteResources(j, turn.resources);
    j.Close('}');
  }
  if (!turn.resources.empty()) {
    j.Key("resources");
    WriteResources(j, turn.resources);
  }
  if (reply_to) j.Key("reply_to").Int(*reply_to);
  j.Close('}');
  return out;
}

}  // namespace screener::server
