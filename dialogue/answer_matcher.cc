#include "dialogue/answer_matcher.h"

#include <algorithm>
#include <set>

#include "dialogue/builtins.h"
#include "dialogue/text.h"

namespace screener {
namespace {

std::vector<std::string> SplitOwned(const std::string& folded) {
  std::vector<std::string> out;
  for (std::string_view w : Words(folded)) out.emplace_back(w);
  return out;
}

// Where `phrase` occurs as whole words in `words`, or npos.
size_t FindPhrase(const std::vector<std::string_view>& words, const std::vector<std::string>& phrase, bool fuzzy,
                  size_t from = 0) {
  if (phrase.empty() || phrase.size() > words.size()) return std::string::npos;
  for (size_t i = from; i + phrase.size() <= words.size(); ++i) {
    bool all = true;
    for (size_t k = 0; k < phrase.size() && all; ++k) {
      std::string_view w = words[i + k];
      const std::string& p = phrase[k];
      // A typo is forgiven only in typed words of four or more letters:
      // "yet" is not "yes" and "so" is not "no", but "sevral" is "several"
      // and "yess" is "yes".
      all = w == p || (fuzzy && w.size() >= 4 && p.size() >= 3 && WithinOneEdit(w, p));
    }
    if (all) return i;
  }
  return std::string::npos;
}

// Whether `phrase` occurs exactly at words[at...].
bool PhraseAt(const std::vector<std::string_view>& words, const std::vector<std::string>& phrase, size_t at) {
  if (phrase.empty() || at + phrase.size() > words.size()) return false;
  for (size_t k = 0; k < phrase.size(); ++k) {
    if (words[at + k] != phrase[k]) return false;
  }
  return true;
}

}  // namespace

AnswerMatcher::AnswerMatcher(const std::vector<Option>& options, std::string_view locale) {
  for (size_t i = 0; i < options.size(); ++i) {
    std::vector<std::string> texts = options[i].synonyms;
    texts.push_back(options[i].label);
    texts.push_back(options[i].id);
    if (!options[i].key.empty()) texts.push_back(options[i].key);
    for (const std::string& text : texts) {
      std::string folded = FoldForMatching(text);
      if (folded.empty()) continue;
      whole_.push_back(folded);
      whole_option_.push_back(i);
      phrases_.push_back(Phrase{SplitOwned(folded), i});
    }
  }
  for (const std::string& u : UnsurePhrases(locale)) unsure_.push_back(SplitOwned(FoldForMatching(u)));
  negators_ = NegatingWords(locale);
  for (size_t p = 0; p < phrases_.size(); ++p) {
    if (!phrases_[p].words.empty()) phrases_by_first_word_[phrases_[p].words.front()].push_back(p);
  }
}

std::optional<size_t> AnswerMatcher::Match(std::string_view reply) const { return MatchFolded(FoldForMatching(reply)); }

std::optional<size_t> AnswerMatcher::MatchFolded(std::string_view folded) const {
  if (folded.empty()) return std::nullopt;

  // 1. The whole reply is a label, synonym or key of exactly one option.
  std::optional<size_t> exact;
  for (size_t i = 0; i < whole_.size(); ++i) {
    if (whole_[i] != folded) continue;
    if (exact && *exact != whole_option_[i]) return std::nullopt;  // it names two options
    exact = whole_option_[i];
  }
  if (exact) return exact;

  std::vector<std::string_view> words = Words(folded);
  // 2. "No idea" holds "no" but answers nothing.
  for (const auto& u : unsure_) {
    if (FindPhrase(words, u, false) != std::string::npos) return std::nullopt;
  }
  // 3. The longest phrase found inside the reply; then the same with typos.
  for (bool fuzzy : {false, true}) {
    std::optional<size_t> found = MatchWords(words, fuzzy);
    if (found) return found;
  }
  return std::nullopt;
}

std::optional<size_t> AnswerMatcher::MatchWords(const std::vector<std::string_view>& words, bool fuzzy) const {
  struct Hit {
    size_t begin, end, option;
  };
  std::vector<Hit> hits;
  auto found = [&](const Phrase& phrase, size_t at) {
    // "not every day" is not "every day".
    bool negated = at > 0 && std::find(negators_.begin(), negators_.end(), words[at - 1]) != negators_.end();
    if (!negated) hits.push_back(Hit{at, at + phrase.words.size(), phrase.option});
  };
  if (!fuzzy) {
    // Exact: only phrases that start with the word at hand can match there.
    for (size_t at = 0; at < words.size(); ++at) {
      auto it = phrases_by_first_word_.find(words[at]);
      if (it == phrases_by_first_word_.end()) continue;
      for (size_t p : it->second) {
        if (PhraseAt(words, phrases_[p].words, at)) found(phrases_[p], at);
      }
    }
  } else {
    for (const Phrase& phrase : phrases_) {
      for (size_t at = FindPhrase(words, phrase.words, true); at != std::string::npos;
           at = FindPhrase(words, phrase.words, true, at + 1)) {
        found(phrase, at);
      }
    }
  }
  // A hit inside a longer one ("every day" in "nearly every day") yields to
  // it; what remains must all mean the same option, else "yes and no" is unclear.
  std::set<size_t> options;
  for (const Hit& h : hits) {
    bool inside_longer = false;
    for (const Hit& other : hits) {
      bool contains = other.begin <= h.begin && h.end <= other.end;
      inside_longer = inside_longer || (contains && other.end - other.begin > h.end - h.begin);
    }
    if (!inside_longer) options.insert(h.option);
  }
  if (options.size() == 1) return *options.begin();
  return std::nullopt;
}

}  // namespace screener
