#include "dialogue/crisis/normalizer.h"

#include "dialogue/crisis/plain_chat.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace screener::crisis {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Most messages are ASCII; checking eight bytes at a time keeps the fast-path
// decision cheap.
bool HasNonAscii(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) return true;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) return true;
  }
  return false;
}

void AppendUtf8(UChar32 cp, std::string* out) {
  char buf[U8_MAX_LENGTH];
  int32_t len = 0;
  U8_APPEND_UNSAFE(buf, len, cp);
  out->append(buf, static_cast<size_t>(len));
}

// Typographic punctuation with an ASCII meaning the patterns and context rules
// rely on (quotes delimit quotations; ¿ marks a Spanish question). Returns 0
// for anything else.
char AsciiPunctuation(UChar32 cp) {
  switch (cp) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032:
    case 0x2035: case 0x00B4: case 0x02BC: case 0x2039: case 0x203A:
      return '\'';
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033:
    case 0x00AB: case 0x00BB: case 0x301D: case 0x301E:
      return '"';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
    case 0x2015: case 0x2212:
      return '-';
    case 0x00BF:
      return '?';
    case 0x00A1:
      return '!';
    default:
      return 0;
  }
}

// Scripts whose letters have Latin look-alikes worth folding ("kіll" with a
// Cyrillic і). Other scripts (CJK, Arabic, ...) are left alone: their
// skeletons never become Latin, and asking would cost a call per character.
bool MayLookLatin(UScriptCode script) {
  switch (script) {
    case USCRIPT_LATIN: case USCRIPT_GREEK: case USCRIPT_CYRILLIC:
    case USCRIPT_ARMENIAN: case USCRIPT_CHEROKEE: case USCRIPT_COPTIC:
    case USCRIPT_COMMON: case USCRIPT_INHERITED:
      return true;
    default:
      return false;
  }
}

// The leetspeak reading of a digit or symbol inside a word. A lone '1' or '|'
// reads as i ("k1ll", "su1cide"), a doubled one as l ("ki11"); 2, 6, 8 and 9
// are left alone because they stand for syllables ("2day", "h8") more often
// than for letters.
char LeetLetter(std::string_view token, size_t k) {
  char c = token[k];
  switch (c) {
    case '0': return 'o';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '@': return 'a';
    case '$': return 's';
    case '!': return 'i';
    case '1':
    case '|': {
      bool doubled = (k > 0 && token[k - 1] == c) || (k + 1 < token.size() && token[k + 1] == c);
      return doubled ? 'l' : 'i';
    }
    default: return c;
  }
}

// Byte classes for the ASCII stage, one table lookup per byte.
enum : uint8_t {
  kSpace = 1,   // whitespace and control characters
  kLower = 2,
  kUpper = 4,
  kDigit = 8,
  kLeetSymbol = 16,  // @ $ (may start a word: "$uicide")
  kInnerSymbol = 32, // ! | (only between letters: "k!ll")
};

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c <= 0x20; ++c) t[c] = kSpace;
  t[0x7f] = kSpace;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kLower;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kUpper;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  t['@'] = kLeetSymbol;
  t['$'] = kLeetSymbol;
  t['!'] = kInnerSymbol;
  t['|'] = kInnerSymbol;
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

inline uint8_t ClassOf(char c) { return kClasses[static_cast<unsigned char>(c)]; }

// Writes one word-like token at *o. Letters are lower-cased; digits and
// symbols in a word that also has letters are read as leetspeak, except in a
// number with a short unit ("800mg", "2am", "10x"), which must survive for
// dose patterns. Runs of three or more identical letters keep `keep` letters
// (1 or 2). `all_lower` is the common case and skips the analysis.
char* EmitToken(std::string_view token, bool all_lower, int keep, char* o, bool* stretched) {
  bool leet = false;
  if (!all_lower) {
    size_t letters = 0, digits = 0;
    for (char c : token) {
      uint8_t k = ClassOf(c);
      if (k & (kLower | kUpper)) ++letters;
      else if (k & kDigit) ++digits;
    }
    leet = letters > 0 && letters < token.size();
    if (leet && letters + digits == token.size()) {
      size_t lead = 0;
      while (lead < token.size() && IsDigit(token[lead])) ++lead;
      if (lead == digits && lead > 0 && letters <= 4) leet = false;  // "800mg"
    }
  }
  char prev = 0;
  int run = 0;
  for (size_t k = 0; k < token.size(); ++k) {
    char c = token[k];
    char m = all_lower ? c : IsAlpha(c) ? Lower(c) : (leet ? LeetLetter(token, k) : c);
    if (m == prev && IsAlpha(m)) {
      if (++run >= 3) {
        if (run == 3) {
          *stretched = true;
          if (keep == 1) --o;
        }
        continue;
      }
    } else {
      run = 1;
      prev = m;
    }
    *o++ = m;
  }
  return o;
}

bool IsSpacedSeparator(char c) { return c == ' ' || c == '.' || c == '-' || c == '_' || c == '*'; }

// ASCII stage: lower case, leetspeak, stretched letters, one space between
// words, no repeated punctuation. Bytes >= 0x80 (letters with no Latin
// reading, emoji) are copied unchanged. Sets *spaced when three or more
// single letters stand in a row ("k i l l"), for JoinSpacedLetters. The
// output is never longer than the input, so it is written in place into a
// buffer sized once.
void Canonicalize(std::string_view in, int keep, std::string* out, bool* stretched, bool* spaced) {
  const size_t base = out->size();
  out->resize(base + in.size());
  char* const begin = out->data() + base;
  char* o = begin;
  const size_t n = in.size();
  bool pending_space = false;
  int single_letters = 0;  // consecutive one-letter words
  size_t previous_token_end = std::string_view::npos;
  size_t i = 0;
  while (i < n) {
    const char c = in[i];
    const uint8_t cls = ClassOf(c);
    if (cls & kSpace) {
      pending_space = true;
      ++i;
      continue;
    }
    const bool starts_token =
        (cls & (kLower | kUpper | kDigit)) || ((cls & kLeetSymbol) && i + 1 < n && IsAlpha(in[i + 1]));
    if (starts_token) {
      size_t j = i;
      bool all_lower = true;
      while (j < n) {
        const uint8_t k = ClassOf(in[j]);
        if (k & kLower) {
          ++j;
        } else if (k & (kUpper | kDigit | kLeetSymbol)) {
          all_lower = false;
          ++j;
        } else if ((k & kInnerSymbol) && j > i && j + 1 < n &&
                   (IsAlnum(in[j + 1]) || in[j + 1] == in[j])) {
          all_lower = false;
          ++j;  // "k!ll", "ki||"
        } else {
          break;
        }
      }
      // Trailing symbols are punctuation ("me!!" is not "mei").
      while (j > i + 1 && !IsAlnum(in[j - 1])) --j;
      if (pending_space && o != begin) *o++ = ' ';
      pending_space = false;
      if (j - i == 1 && IsAlpha(c)) {
        size_t gap = previous_token_end == std::string_view::npos ? 99 : i - previous_token_end;
        bool joined = gap >= 1 && gap <= 2 && single_letters > 0;
        for (size_t g = previous_token_end; joined && g < i; ++g) {
          joined = IsSpacedSeparator(in[g]) || in[g] == '\t';
        }
        single_letters = joined ? single_letters + 1 : 1;
        if (single_letters >= 3) *spaced = true;
      } else {
        single_letters = 0;
      }
      previous_token_end = j;
      o = EmitToken(in.substr(i, j - i), all_lower, keep, o, stretched);
      i = j;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      if (pending_space && o != begin) *o++ = ' ';
      pending_space = false;
      *o++ = c;
      ++i;
      continue;
    }
    const char p = c == '`' ? '\'' : c;
    if (!pending_space && o != begin && o[-1] == p) {
      ++i;  // "!!!" -> "!", "..." -> "."
      continue;
    }
    if (pending_space && o != begin) *o++ = ' ';
    pending_space = false;
    *o++ = p;
    ++i;
  }
  out->resize(base + static_cast<size_t>(o - begin));
}

// "k i l l", "k.i.l.l", "d-i-e" -> "kill", "die": three or more one-letter
// words separated by one or two separator characters are joined.
std::string JoinSpacedLetters(std::string_view s) {
  auto single_at = [&](size_t p) {
    return p < s.size() && IsAlpha(s[p]) && (p == 0 || !IsAlnum(s[p - 1])) &&
           (p + 1 == s.size() || !IsAlnum(s[p + 1]));
  };
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (single_at(i)) {
      std::string letters(1, s[i]);
      size_t end = i + 1;
      while (true) {
        size_t q = end;
        int gap = 0;
        while (q < s.size() && IsSpacedSeparator(s[q]) && gap < 2) {
          ++q;
          ++gap;
        }
        if (gap == 0 || !single_at(q)) break;
        letters.push_back(s[q]);
        end = q + 1;
      }
      if (letters.size() >= 3) {
        out += letters;
        i = end;
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

// The common case in one pass: plain ASCII letters, spaces and ordinary
// punctuation, none of which the general path would treat specially. Produces
// exactly what Canonicalize(in, 2, ...) would, or returns false as soon as it
// meets anything that needs the general path: a digit or leet symbol (@ $ ! |
// `), a byte >= 0x80, a letter stretched to three, or a third one-letter word
// in a row (spaced letters). Tests check it against the general path.
bool CanonicalizeCommonAscii(std::string_view in, std::string* out) {
  out->resize(in.size());
  char* const begin = out->data();
  char* o = begin;
  bool pending_space = false;
  int single_letters = 0;
  size_t previous_token_end = std::string_view::npos;
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const char c = in[i];
    const uint8_t cls = ClassOf(c);
    if (cls & (kLower | kUpper)) {
      if (pending_space && o != begin) *o++ = ' ';
      pending_space = false;
      const size_t start = i;
      char p1 = 0, p2 = 0;  // the two letters before, within this word
      do {
        const char m = static_cast<char>(in[i] | 0x20);
        if (m == p1 && m == p2) return false;  // stretched letters
        p2 = p1;
        p1 = m;
        *o++ = m;
        ++i;
      } while (i < n && (ClassOf(in[i]) & (kLower | kUpper)));
      if (i < n && (ClassOf(in[i]) & (kDigit | kLeetSymbol | kInnerSymbol))) return false;
      if (i - start == 1) {
        size_t gap = previous_token_end == std::string_view::npos ? 99 : start - previous_token_end;
        bool joined = gap >= 1 && gap <= 2 && single_letters > 0;
        for (size_t g = previous_token_end; joined && g < start; ++g) {
          joined = IsSpacedSeparator(in[g]) || in[g] == '\t';
        }
        single_letters = joined ? single_letters + 1 : 1;
        if (single_letters >= 3) return false;  // spaced letters
      } else {
        single_letters = 0;
      }
      previous_token_end = i;
      continue;
    }
    if (cls & kSpace) {
      pending_space = true;
      ++i;
      continue;
    }
    if (cls != 0 || c == '`' || static_cast<unsigned char>(c) >= 0x80) return false;
    if (!pending_space && o != begin && o[-1] == c) {
      ++i;  // "..." -> "."
      continue;
    }
    if (pending_space && o != begin) *o++ = ' ';
    pending_space = false;
    *o++ = c;
    ++i;
  }
  out->resize(static_cast<size_t>(o - begin));
  return true;
}

}  // namespace

void Normalizer::SpoofCloser::operator()(USpoofChecker* checker) const { uspoof_close(checker); }

Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;
Normalizer::~Normalizer() = default;

Result<Normalizer> Normalizer::Create() {
  Normalizer n;
  UErrorCode status = U_ZERO_ERROR;
  n.nfkc_casefold_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) {
    return Problem{"", "", std::string("ICU NFKC_Casefold unavailable: ") + u_errorName(status)};
  }
  n.nfd_ = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status)) {
    return Problem{"", "", std::string("ICU NFD unavailable: ") + u_errorName(status)};
  }
  USpoofChecker* checker = uspoof_open(&status);
  if (U_FAILURE(status)) {
    return Problem{"", "", std::string("ICU spoof checker unavailable: ") + u_errorName(status)};
  }
  n.spoof_.reset(checker);
  // Latin-1, Latin Extended-A and general punctuation. In a text where every
  // character has a normalisation boundary before it (never combines with
  // the one before: ASCII and these, but no combining mark, which is not in
  // the table), normalising is character by character, so FoldUnicode's own
  // answer for each one alone can be reused.
  n.common_.resize(kCommonLast - kCommonFirst + 1);
  for (char32_t cp = kCommonFirst; cp <= kCommonLast; ++cp) {
    if (cp > 0x17F && cp < 0x2010) continue;
    const auto c = static_cast<UChar32>(cp);
    if (!n.nfkc_casefold_->hasBoundaryBefore(c)) continue;
    std::string utf8, folded;
    AppendUtf8(c, &utf8);
    n.FoldUnicode(utf8, &folded);
    if (!HasNonAscii(folded) && folded.size() <= utf8.size()) n.common_[cp - kCommonFirst] = std::move(folded);
  }
  return n;
}

bool Normalizer::FoldCommonLatin(std::string_view message, std::string* out) const {
  // Every table entry is at most as long as its UTF-8 form (checked when the
  // table is built), so the output fits in the input's size.
  out->resize(message.size());
  char* o = out->data();
  const auto* bytes = reinterpret_cast<const uint8_t*>(message.data());
  const int32_t length = static_cast<int32_t>(message.size());
  for (int32_t i = 0; i < length;) {
    if (bytes[i] < 0x80) {
      // A run of ASCII is copied as it is: every path after this one lower-cases.
      int32_t end = i + 1;
      while (end < length && bytes[end] < 0x80) ++end;
      o = std::copy(message.data() + i, message.data() + end, o);
      i = end;
      continue;
    }
    UChar32 cp;
    U8_NEXT(bytes, i, length, cp);  // cp < 0 for ill-formed UTF-8
    if (cp < static_cast<UChar32>(kCommonFirst) || cp > static_cast<UChar32>(kCommonLast)) return false;
    const std::optional<std::string>& ascii = common_[static_cast<size_t>(cp) - kCommonFirst];
    if (!ascii) return false;
    o = std::copy(ascii->begin(), ascii->end(), o);
  }
  out->resize(static_cast<size_t>(o - out->data()));
  return true;
}

void Normalizer::FoldUnicode(std::string_view message, std::string* out) const {
  // fromUTF8 turns each ill-formed sequence into U+FFFD, dropped below.
  icu::UnicodeString source =
      icu::UnicodeString::fromUTF8(icu::StringPiece(message.data(), static_cast<int32_t>(message.size())));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = nfkc_casefold_->normalize(source, status);
  if (U_FAILURE(status)) folded = source;  // never lose the text
  out->reserve(message.size() + 8);
  bool after_ascii = false;
  icu::UnicodeString decomposition;
  for (int32_t i = 0; i < folded.length();) {
    UChar32 cp = folded.char32At(i);
    i += U16_LENGTH(cp);
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
      after_ascii = true;
      continue;
    }
    if (cp == 0xFFFD) continue;  // ill-formed UTF-8 in the message
    if (char p = AsciiPunctuation(cp)) {
      out->push_back(p);
      after_ascii = true;
      continue;
    }
    if (u_isUWhiteSpace(cp) || u_charType(cp) == U_CONTROL_CHAR) {
      out->push_back(' ');
      after_ascii = true;
      continue;
    }
    int8_t type = u_charType(cp);
    if ((type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK) && after_ascii) {
      continue;  // a stray accent on a Latin letter ("ki̇ll" from "KİLL")
    }
    if (u_isalpha(cp)) {
      // Accented Latin: the base letters of the canonical decomposition.
      if (nfd_->getDecomposition(cp, decomposition)) {
        std::string base;
        bool ascii = true;
        for (int32_t k = 0; k < decomposition.length();) {
          UChar32 d = decomposition.char32At(k);
          k += U16_LENGTH(d);
          int8_t dtype = u_charType(d);
          if (dtype == U_NON_SPACING_MARK || dtype == U_ENCLOSING_MARK) continue;
          if (d >= 0x80) {
            ascii = false;
            break;
          }
          base.push_back(Lower(static_cast<char>(d)));
        }
        if (ascii && !base.empty()) {
          out->append(base);
          after_ascii = true;
          continue;
        }
      }
      // Look-alikes: ICU's confusable skeleton, kept only when it is Latin.
      UErrorCode script_status = U_ZERO_ERROR;
      if (MayLookLatin(uscript_getScript(cp, &script_status)) && U_SUCCESS(script_status)) {
        char in[U8_MAX_LENGTH];
        int32_t in_len = 0;
        U8_APPEND_UNSAFE(in, in_len, cp);
        char skeleton[32];
        UErrorCode skeleton_status = U_ZERO_ERROR;
        int32_t len = uspoof_getSkeletonUTF8(spoof_.get(), 0, in, in_len, skeleton,
                                             sizeof(skeleton), &skeleton_status);
        bool latin = U_SUCCESS(skeleton_status) && len > 0 && len < static_cast<int32_t>(sizeof(skeleton));
        for (int32_t k = 0; latin && k < len; ++k) latin = IsAlpha(skeleton[k]);
        if (latin) {
          for (int32_t k = 0; k < len; ++k) out->push_back(Lower(skeleton[k]));
          after_ascii = true;
          continue;
        }
      }
    }
    AppendUtf8(cp, out);
    after_ascii = false;
  }
}

void Normalizer::Normalize(std::string_view message, NormalizedText* out) const {
  out->alternate.clear();
  // Shortcuts, each checked against NormalizeSlow in the tests: common Latin
  // letters and punctuation fold by table, and plain ASCII then takes the
  // vectorised or the one-pass canonical form.
  thread_local std::string folded;  // reused: Spanish chat is common
  std::string_view ascii = message;
  if (HasNonAscii(message)) {
    if (!FoldCommonLatin(message, &folded)) return NormalizeSlow(message, out);
    ascii = folded;
  }
  if (!LowercasePlainChat(ascii, &out->text) && !CanonicalizeCommonAscii(ascii, &out->text)) {
    NormalizeSlow(ascii, out);
  }
  if (folded.capacity() > (64u << 10)) std::string().swap(folded);  // a huge message's buffer goes
}

void Normalizer::NormalizeSlow(std::string_view message, NormalizedText* out) const {
  std::string folded;
  std::string_view ascii = message;
  if (HasNonAscii(message)) {
    FoldUnicode(message, &folded);
    ascii = folded;
  }
  out->text.clear();
  out->alternate.clear();
  bool stretched = false;
  bool spaced = false;
  Canonicalize(ascii, 2, &out->text, &stretched, &spaced);
  std::string joined;
  if (spaced) {
    joined = JoinSpacedLetters(out->text);
    ascii = joined;
    out->text.clear();
    Canonicalize(ascii, 2, &out->text, &stretched, &spaced);
  }
  if (stretched) {
    bool ignored = false;
    Canonicalize(ascii, 1, &out->alternate, &ignored, &ignored);
  }
}

std::string Normalizer::Normalize(std::string_view message) const {
  NormalizedText out;
  Normalize(message, &out);
  return std::move(out.text);
}

}  // namespace screener::crisis
