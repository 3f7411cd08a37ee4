// Text helpers for understanding replies: folding for comparison, words,
// and a bounded edit distance. Backed by ICU so that "SÍ", "si" and "sí"
// compare equal and curly apostrophes do not split words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace screener {

// Case-folds, strips accents, removes apostrophes ("don't" -> "dont"),
// turns other punctuation and symbols into spaces and collapses whitespace.
// Invalid UTF-8 is replaced, never trusted. The result is plain words
// separated by single spaces, with no leading or trailing space.
std::string FoldForMatching(std::string_view text);
// The same through ICU whatever the text; FoldForMatching takes a shortcut
// for plain ASCII (most answers). Tests compare the two.
std::string FoldForMatchingWithIcu(std::string_view text);

// Splits folded text on single spaces.
std::vector<std::string_view> Words(std::string_view folded);

// True when a and b differ by at most one insertion, deletion or
// substitution (of bytes; folded text is mostly ASCII).
bool WithinOneEdit(std::string_view a, std::string_view b);

// True when text is valid UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace screener
