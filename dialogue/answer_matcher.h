// Understands a free-text reply as one of a question's options.
//
// "yeah", "nah", "most days", "2", "two" and a one-letter typo in a longer
// word ("sevral days") are understood; "yes and no" or "no idea" are not,
// and get the question's re-prompt. See docs/scripts.md for the rules.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/script.h"

namespace screener {

class AnswerMatcher {
 public:
  // Folds every label, synonym and key of the options once.
  AnswerMatcher(const std::vector<Option>& options, std::string_view locale);

  // The index of the option the reply means, or nullopt when unclear.
  std::optional<size_t> Match(std::string_view reply) const;
  // The same for a reply already folded with FoldForMatching.
  std::optional<size_t> MatchFolded(std::string_view folded) const;

 private:
  struct Phrase {
    std::vector<std::string> words;
    size_t option = 0;
  };
  std::optional<size_t> MatchWords(const std::vector<std::string_view>& words, bool fuzzy) const;

  std::vector<std::string> whole_;      // folded phrase per entry of whole_option_
  std::vector<size_t> whole_option_;
  std::vector<Phrase> phrases_;
  // Indices into phrases_ by first word: the exact pass looks up each word
  // of the reply instead of trying every phrase at every position.
  std::map<std::string, std::vector<size_t>, std::less<>> phrases_by_first_word_;
  std::vector<std::vector<std::string>> unsure_;
  std::vector<std::string> negators_;
};

}  // namespace screener
