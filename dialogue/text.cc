#include "dialogue/text.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace screener {
namespace {

bool IsApostrophe(UChar32 c) {
  return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC || c == '`';
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// FoldForMatching for text with no byte >= 0x80, where NFD changes nothing
// and case folding is ASCII lower-casing. False if the text is not ASCII.
bool FoldAscii(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) return false;
    if (c == '\'' || c == '`') continue;
    if (IsAsciiAlnum(c)) {
      if (pending_space && !out->empty()) out->push_back(' ');
      pending_space = false;
      out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    } else if (c == '?' && out->empty() && i + 1 == text.size()) {
      out->push_back(c);  // a lone "?" is the help command
    } else {
      pending_space = true;
    }
  }
  return true;
}

}  // namespace

std::string FoldForMatching(std::string_view text) {
  std::string out;
  if (FoldAscii(text, &out)) return out;
  return FoldForMatchingWithIcu(text);
}

std::string FoldForMatchingWithIcu(std::string_view text) {
  // NFD splits accents off their letters so they can be dropped; case
  // folding then makes the comparison case-blind in every script.
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString decomposed = U_SUCCESS(status) ? nfd->normalize(input, status) : input;
  if (U_FAILURE(status)) decomposed = input;
  decomposed.foldCase();

  icu::UnicodeString kept;
  bool pending_space = false;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK || IsApostrophe(c)) continue;
    if (u_isalnum(c)) {
      if (pending_space && kept.length() > 0) kept.append(UChar32(' '));
      pending_space = false;
      kept.append(c);
    } else if (c == '?' && kept.length() == 0 && i >= decomposed.length()) {
      kept.append(c);  // a lone "?" is the help command
    } else {
      pending_space = true;
    }
  }
  std::string out;
  kept.toUTF8String(out);
  return out;
}

std::vector<std::string_view> Words(std::string_view folded) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string_view::npos) end = folded.size();
    if (end > start) words.push_back(folded.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

bool WithinOneEdit(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > 1) return false;
  size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (i == b.size()) return true;  // equal, or a has one extra at the end
  if (a.size() == b.size()) return a.substr(i + 1) == b.substr(i + 1);  // substitution
  return a.substr(i + 1) == b.substr(i);                                // deletion from a
}

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

}  // namespace screener
