#include "dialogue/crisis/plain_chat.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace screener::crisis {

#if defined(__SSE2__)

namespace {

// Byte masks (0xff where true) for sixteen bytes at once. Signed compares
// suffice: bytes >= 0x80 are negative and fail every "greater than" below.
__m128i Splat(char c) { return _mm_set1_epi8(c); }

__m128i LetterMask(__m128i v) {
  __m128i folded = _mm_or_si128(v, Splat(0x20));  // 'A'..'Z' -> 'a'..'z'
  return _mm_and_si128(_mm_cmpgt_epi8(folded, Splat('a' - 1)), _mm_cmplt_epi8(folded, Splat('z' + 1)));
}

// Printable ASCII that the general path treats as ordinary punctuation: not
// a letter, digit, space, or one of the leetspeak symbols @ $ ! | and `.
__m128i PunctuationMask(__m128i v, __m128i letters) {
  __m128i printable = _mm_and_si128(_mm_cmpgt_epi8(v, Splat(' ')), _mm_cmplt_epi8(v, Splat(0x7f)));
  __m128i digits = _mm_and_si128(_mm_cmpgt_epi8(v, Splat('0' - 1)), _mm_cmplt_epi8(v, Splat('9' + 1)));
  __m128i special = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, Splat('@')), _mm_cmpeq_epi8(v, Splat('$'))),
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, Splat('!')), _mm_cmpeq_epi8(v, Splat('|'))),
                   _mm_cmpeq_epi8(v, Splat('`'))));
  return _mm_andnot_si128(_mm_or_si128(_mm_or_si128(letters, digits), special), printable);
}

// What may stand between spaced letters: space . - _ * (tab is not plain).
__m128i SpacedSeparatorMask(__m128i v) {
  return _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, Splat(' ')), _mm_cmpeq_epi8(v, Splat('.'))),
      _mm_or_si128(_mm_cmpeq_epi8(v, Splat('-')), _mm_or_si128(_mm_cmpeq_epi8(v, Splat('_')), _mm_cmpeq_epi8(v, Splat('*')))));
}

uint32_t Bits(__m128i mask) { return static_cast<uint32_t>(_mm_movemask_epi8(mask)); }

}  // namespace

bool LowercasePlainChat(std::string_view message, std::string* out) {
  const size_t n = message.size();
  if (n == 0 || n > kMaxPlainChatBytes || message.front() == ' ' || message.back() == ' ') return false;

  // A copy with two zero bytes before and zeros after lets every block load
  // its neighbours (one and two bytes back, one ahead) without bounds checks.
  // Zero is neither letter, space nor punctuation.
  constexpr size_t kFront = 2;
  char padded[kFront + kMaxPlainChatBytes + 32];
  std::memset(padded, 0, kFront);
  std::memcpy(padded + kFront, message.data(), n);
  std::memset(padded + kFront + n, 0, 32);

  out->resize(n + 16);
  char* o = out->data();
  uint32_t previous_singles = 0;  // one-letter words of the previous block
  uint32_t previous_separators = 0;
  for (size_t i = 0; i < n; i += 16) {
    const char* p = padded + kFront + i;
    const __m128i cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i back1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p - 1));
    const __m128i back2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p - 2));
    const __m128i ahead1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    const uint32_t valid = n - i >= 16 ? 0xffffu : (1u << (n - i)) - 1;

    const __m128i letters = LetterMask(cur);
    const __m128i letters_back1 = LetterMask(back1);
    const __m128i letters_back2 = LetterMask(back2);
    const __m128i spaces = _mm_cmpeq_epi8(cur, Splat(' '));
    const __m128i punctuation = PunctuationMask(cur, letters);
    const __m128i plain = _mm_or_si128(_mm_or_si128(letters, spaces), punctuation);
    if ((~Bits(plain) & valid) != 0) return false;

    // Two spaces in a row collapse in the general path.
    if (Bits(_mm_and_si128(spaces, _mm_cmpeq_epi8(back1, Splat(' ')))) & valid) return false;
    // A repeated punctuation mark collapses ("..." -> ".").
    if (Bits(_mm_and_si128(punctuation, _mm_cmpeq_epi8(cur, back1))) & valid) return false;
    // A letter three times in a row is stretched ("sooo").
    const __m128i folded = _mm_or_si128(cur, Splat(0x20));
    const __m128i same1 = _mm_and_si128(letters_back1, _mm_cmpeq_epi8(folded, _mm_or_si128(back1, Splat(0x20))));
    const __m128i same2 = _mm_and_si128(letters_back2, _mm_cmpeq_epi8(folded, _mm_or_si128(back2, Splat(0x20))));
    if (Bits(_mm_and_si128(letters, _mm_and_si128(same1, same2))) & valid) return false;
    // One-letter words joined by one or two separators may be spaced letters
    // ("k i l l", "k.i.l.l"); the general path decides.
    const uint32_t singles =
        Bits(_mm_andnot_si128(_mm_or_si128(letters_back1, LetterMask(ahead1)), letters)) & valid;
    const uint32_t separators = Bits(SpacedSeparatorMask(cur)) & valid;
    const uint32_t s = (singles << 16) | previous_singles;
    const uint32_t g = (separators << 16) | previous_separators;
    const uint32_t joined = (s & (s << 2) & (g << 1)) | (s & (s << 3) & (g << 1) & (g << 2));
    if (joined >> 16) return false;
    previous_singles = singles;
    previous_separators = separators;

    const __m128i lowered = _mm_or_si128(cur, _mm_and_si128(letters, Splat(0x20)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o + i), lowered);
  }
  out->resize(n);
  return true;
}

#else

bool LowercasePlainChat(std::string_view, std::string*) { return false; }

#endif

}  // namespace screener::crisis
