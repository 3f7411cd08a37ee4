// Normalizer: turns a raw chat message into the canonical text that crisis
// patterns are written against.
//
// Patterns would otherwise have to anticipate every way a person can type a
// word: capitals, full-width or "mathematical" letters, Cyrillic look-alikes,
// accents, zero-width characters, curly quotes, leetspeak ("k1ll", "su1cide"),
// spaced letters ("k i l l") and stretched letters ("dieeee"). The canonical
// form is lower case, accent-free Latin wherever a letter has a Latin reading,
// with single spaces and no repeated punctuation, so RE2's ASCII-only `\b` is
// a correct word boundary for English and Spanish patterns alike. The full
// list of steps, in order, is in docs/crisis-detection.md.
//
// Plain-ASCII messages (most chat) take a fast path that never calls ICU.
// Work is linear in the message length; nothing is truncated, so a crisis at
// the end of a long message is still seen. Invalid UTF-8 never crashes:
// ill-formed bytes are dropped.
//
// Thread-safety: immutable after Create(); Normalize() is const and may be
// called from any number of threads at once. The ICU normalisers are ICU's
// own process-wide immutable instances; the spoof checker is owned here and
// used through ICU's thread-safe const API only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include <unicode/uversion.h>  // U_NAMESPACE_BEGIN: ICU's versioned namespace

#include "dialogue/result.h"

// Forward declarations keep ICU's large headers out of the detector's users.
struct USpoofChecker;
U_NAMESPACE_BEGIN
class Normalizer2;
U_NAMESPACE_END

namespace screener::crisis {

// The canonical text of one message. When the message stretched a letter
// ("dieeee", "killlll"), the single canonical form cannot know whether the
// word wanted one letter or two, so there are two variants: `text` keeps two
// of a stretched run ("diee", "kill"), `alternate` keeps one ("die", "kil").
// Detectors match both. `alternate` is empty when nothing was stretched.
struct NormalizedText {
  std::string text;
  std::string alternate;
};

class Normalizer {
 public:
  // Obtains the ICU services. Fails only if ICU's data is missing.
  static Result<Normalizer> Create();

  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;
  ~Normalizer();

  void Normalize(std::string_view message, NormalizedText* out) const;

  // The general path alone, without the one-pass shortcut for plain ASCII
  // chat that Normalize() tries first. Both give the same result; tests
  // compare them.
  void NormalizeSlow(std::string_view message, NormalizedText* out) const;

  // The first variant only; for tests, tools and the documentation.
  std::string Normalize(std::string_view message) const;

 private:
  struct SpoofCloser {
    void operator()(USpoofChecker* checker) const;
  };

  Normalizer() = default;

  // Unicode stage: NFKC case folding, accents, look-alikes, quotes, spaces.
  // Output is UTF-8 that is ASCII wherever a Latin reading exists.
  void FoldUnicode(std::string_view message, std::string* out) const;

  // The Unicode stage for text whose every non-ASCII character is a common
  // Latin letter or typographic punctuation (Spanish chat, curly quotes):
  // each maps on its own to a fixed ASCII string, computed once by
  // FoldUnicode itself. False if the text has any other character.
  bool FoldCommonLatin(std::string_view message, std::string* out) const;

  // FoldUnicode's ASCII result for one code point of [kCommonFirst,
  // kCommonLast] that normalises independently of its neighbours; unset for
  // the others.
  static constexpr char32_t kCommonFirst = 0xA0, kCommonLast = 0x2027;
  std::vector<std::optional<std::string>> common_;

  const icu::Normalizer2* nfkc_casefold_ = nullptr;  // owned by ICU
  const icu::Normalizer2* nfd_ = nullptr;            // owned by ICU
  std::unique_ptr<USpoofChecker, SpoofCloser> spoof_;
};

}  // namespace screener::crisis
