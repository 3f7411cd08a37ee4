#include "dialogue/crisis/detector.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>

#include "dialogue/crisis/normalizer.h"
#include "dialogue/crisis/pattern_file.h"

namespace screener::crisis {

namespace {

constexpr size_t kNegationWindowWords = 3;
// Context rules look at most this far from a hit, and at most this many
// occurrences of one pattern are judged: together they keep a hostile
// megabyte-long message linear. A sentence longer than this is not a sentence.
constexpr size_t kContextBytes = 512;
constexpr size_t kMaxOccurrences = 64;
// The screening set holds every pattern; a larger DFA cache than RE2's 8 MiB
// default keeps its states cached instead of rebuilt.
constexpr int64_t kScreenMaxMem = 64 << 20;

RE2::Options MatchOptions(int64_t max_mem) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  if (max_mem > 0) options.set_max_mem(max_mem);
  return options;
}

struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// Non-overlapping matches of `re` in text[from, end), left to right, at most `limit`.
void FindAll(const RE2& re, std::string_view text, std::vector<Span>* out, size_t from = 0,
             size_t limit = kMaxOccurrences) {
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  size_t pos = from;
  size_t found = 0;
  while (pos <= text.size() && found++ < limit &&
         re.Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
    size_t begin = static_cast<size_t>(match.data() - text.data());
    size_t end = begin + match.size();
    out->push_back(Span{begin, end});
    pos = end > begin ? end : end + 1;
  }
}

// Builds `\b(?:cue1|cue2|...)\b` from cue fragments, or null when empty.
std::unique_ptr<RE2> CueRegex(const std::vector<std::string>& cues) {
  if (cues.empty()) return nullptr;
  std::string joined;
  for (const std::string& cue : cues) {
    if (!joined.empty()) joined += '|';
    joined += "(?:" + cue + ")";
  }
  auto re = std::make_unique<RE2>("\\b(?:" + joined + ")\\b", MatchOptions(0));
  if (!re->ok()) return nullptr;  // each cue was checked at parse time
  return re;
}

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'' ||
         static_cast<unsigned char>(c) >= 0x80;
}

size_t CountWords(std::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool w = IsWordByte(c);
    if (w && !in_word) ++words;
    in_word = w;
  }
  return words;
}

bool IsSentenceEnd(char c) { return c == '.' || c == '!' || c == '?' || c == ';' || c == '\n'; }

}  // namespace

struct CompiledPattern {
  PatternSpec spec;
  std::unique_ptr<RE2> re;
  std::string file;
};

struct CompiledIdiom {
  IdiomSpec spec;
  std::unique_ptr<RE2> re;
  std::string file;
};

struct Language {
  std::string code;
  std::vector<CompiledPattern> patterns;
  std::unique_ptr<RE2::Set> set;  // null when the set did not compile
  std::vector<CompiledIdiom> idioms;
  std::unique_ptr<RE2::Set> idiom_set;
};

struct PatternDetector::Compiled {
  Normalizer normalizer;
  std::vector<Language> languages;
  // Every language's patterns in one set, asked only "does anything match?".
  // Most messages match nothing, and one DFA pass instead of one per
  // language halves their cost; the per-language sets then name the hits.
  // Null if it did not compile (the per-language sets still decide).
  std::unique_ptr<RE2::Set> screen;
  DetectorOptions options;
  // Context cues of all languages together: people mix languages.
  std::unique_ptr<RE2> negation, negation_cancelled_by, hypothetical, past, media, someone_else,
      self, someone_else_in_span, self_in_span, clause_breaks;

  explicit Compiled(Normalizer n) : normalizer(std::move(n)) {}
};

namespace {

using Compiled = PatternDetector::Compiled;

struct RawHit {
  const CompiledPattern* pattern;
  const Language* language;
  Span span;
};

// The indices of the patterns of `set` (or of `patterns` one by one) that
// match. A set failure is never "no match": the slow path runs instead.
template <typename Entry>
void MatchingIndices(const RE2::Set* set, const std::vector<Entry>& entries, std::string_view text,
                     bool simulate_failure, std::vector<int>* indices, bool* used_fallback) {
  indices->clear();
  re2::StringPiece input(text.data(), text.size());
  if (set != nullptr && !simulate_failure) {
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    // First without an output vector: no allocation, and the DFA may stop at
    // the first match. Most messages end here.
    if (!set->Match(input, nullptr, &info)) {
      if (info.kind == RE2::Set::kNoError) return;
    } else if (set->Match(input, indices, &info)) {
      return;
    }
    indices->clear();
  }
  *used_fallback = true;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].re && entries[i].re->Match(input, 0, text.size(), RE2::UNANCHORED, nullptr, 0)) {
      indices->push_back(static_cast<int>(i));
    }
  }
}

// The last match of `re` in [from, to) of text, as a span; false if none.
bool LastMatch(const RE2* re, std::string_view text, size_t from, size_t to, Span* out) {
  if (re == nullptr || from >= to) return false;
  std::vector<Span> spans;
  FindAll(*re, text.substr(0, to), &spans, from, SIZE_MAX);
  bool found = false;
  for (const Span& s : spans) {
    if (s.begin >= from && s.end <= to) {
      *out = s;
      found = true;
    }
  }
  return found;
}

bool AnyMatch(const RE2* re, std::string_view text, size_t from, size_t to) {
  if (re == nullptr || from >= to) return false;
  re2::StringPiece input(text.data(), to);
  return re->Match(input, from, to, RE2::UNANCHORED, nullptr, 0);
}

// Is `pos` inside a quotation? Double quotes pair up; a single quote counts as
// an opening one after a non-letter and before a letter ("'i want"), and as a
// closing one in the reverse position, so apostrophes in "don't" are ignored.
bool InsideQuotes(std::string_view text, size_t from, size_t begin, size_t* quote_start) {
  size_t doubles = 0, singles_open = 0, singles_close = 0;
  size_t last_double = 0, last_single_open = 0;
  for (size_t i = from; i < begin; ++i) {
    char c = text[i];
    if (c == '"') {
      ++doubles;
      last_double = i;
    } else if (c == '\'') {
      bool prev_word = i > 0 && IsWordByte(text[i - 1]) && text[i - 1] != '\'';
      bool next_word = i + 1 < text.size() && IsWordByte(text[i + 1]) && text[i + 1] != '\'';
      if (!prev_word && next_word) {
        ++singles_open;
        last_single_open = i;
      } else if (prev_word && !next_word) {
        ++singles_close;
      }
    }
  }
  if (doubles % 2 == 1) {
    *quote_start = last_double;
    return true;
  }
  if (singles_open > singles_close) {
    *quote_start = last_single_open;
    return true;
  }
  return false;
}

// Applies the context rules to one hit. See docs/crisis-detection.md.
Hit Judge(const Compiled& c, std::string_view text, const RawHit& raw,
          const std::vector<std::pair<Span, const CompiledIdiom*>>& idiom_spans) {
  Hit hit;
  hit.pattern_id = raw.pattern->spec.id;
  hit.category = raw.pattern->spec.category;
  hit.language = raw.language->code;
  hit.level = raw.pattern->spec.tier;
  hit.begin = raw.span.begin;
  hit.end = raw.span.end;

  // Rule 1, idiom: a listed figurative phrase covering the whole hit removes it.
  for (const auto& [span, idiom] : idiom_spans) {
    if (span.begin <= hit.begin && hit.end <= span.end) {
      hit.level = Level::kNone;
      hit.rule = "idiom:" + idiom->spec.id;
      return hit;
    }
  }

  const size_t floor = hit.begin > kContextBytes ? hit.begin - kContextBytes : 0;
  const size_t ceiling = std::min(text.size(), hit.end + kContextBytes);
  size_t sentence_begin = hit.begin;
  while (sentence_begin > floor && !IsSentenceEnd(text[sentence_begin - 1])) --sentence_begin;
  size_t sentence_end = hit.end;
  while (sentence_end < ceiling && !IsSentenceEnd(text[sentence_end])) ++sentence_end;
  size_t clause_begin = hit.begin;
  while (clause_begin > sentence_begin && text[clause_begin - 1] != ',' && text[clause_begin - 1] != ':') {
    --clause_begin;
  }
  Span brk;
  if (LastMatch(c.clause_breaks.get(), text, clause_begin, hit.begin, &brk)) clause_begin = brk.end;

  size_t quote_start = 0;
  const bool quoted = InsideQuotes(text, sentence_begin, hit.begin, &quote_start);

  // Rule 2, someone else: who the hit is about. Words inside the hit decide
  // first ("myself", "herself"), unless the hit is quoted speech; then the
  // last subject before it in the sentence; by default the writer.
  {
    bool decided = false;
    if (!quoted) {
      if (AnyMatch(c.self_in_span.get(), text, hit.begin, hit.end)) {
        decided = true;
      } else if (AnyMatch(c.someone_else_in_span.get(), text, hit.begin, hit.end)) {
        hit.about_someone_else = true;
        decided = true;
      }
    }
    if (!decided) {
      size_t limit = quoted ? quote_start : hit.begin;
      Span self_span, other_span;
      bool self = LastMatch(c.self.get(), text, sentence_begin, limit, &self_span);
      bool other = LastMatch(c.someone_else.get(), text, sentence_begin, limit, &other_span);
      hit.about_someone_else = other && (!self || other_span.end > self_span.end);
    }
  }

  if (hit.level != Level::kCrisis) return hit;

  // Rule 3, negation: a negation word within three words before the hit, in
  // the same clause, unless it negates something else ("not ok").
  Span neg;
  if (LastMatch(c.negation.get(), text, clause_begin, hit.begin, &neg) &&
      CountWords(text.substr(neg.end, hit.begin - neg.end)) < kNegationWindowWords) {
    Span cancel;
    bool cancelled = false;
    if (c.negation_cancelled_by) {
      size_t next = neg.end;
      while (next < hit.begin && text[next] == ' ') ++next;
      cancelled = c.negation_cancelled_by->Match(re2::StringPiece(text.data(), hit.begin), next,
                                                 hit.begin, RE2::ANCHOR_START, nullptr, 0);
      (void)cancel;
    }
    if (!cancelled) {
      hit.level = Level::kAsk;
      hit.rule = "negation";
      return hit;
    }
  }
  // Rule 4, hypothetical: "what if", "if i ever", "hypothetically" earlier in the sentence.
  if (AnyMatch(c.hypothetical.get(), text, sentence_begin, hit.begin)) {
    hit.level = Level::kAsk;
    hit.rule = "hypothetical";
    return hit;
  }
  // Rule 5, past: a distant-past marker anywhere in the sentence.
  if (AnyMatch(c.past.get(), text, sentence_begin, sentence_end)) {
    hit.level = Level::kAsk;
    hit.rule = "past";
    return hit;
  }
  // Rule 6, quotation: quoted or attributed to a song, film, book... unless
  // someone else said it, which stays a crisis about them.
  if (!hit.about_someone_else &&
      (quoted || AnyMatch(c.media.get(), text, sentence_begin, hit.begin))) {
    hit.level = Level::kAsk;
    hit.rule = "quotation";
    return hit;
  }
  return hit;
}

void Evaluate(const Compiled& c, std::string_view text, Explanation* out) {
  if (c.screen != nullptr && !c.options.simulate_set_failure) {
    RE2::Set::ErrorInfo info{RE2::Set::kNoError};
    if (!c.screen->Match(re2::StringPiece(text.data(), text.size()), nullptr, &info) &&
        info.kind == RE2::Set::kNoError) {
      return;  // a clean "no match"; an engine error falls through
    }
  }
  std::vector<RawHit> raw;
  std::vector<int> indices;
  for (const Language& lang : c.languages) {
    MatchingIndices(lang.set.get(), lang.patterns, text, c.options.simulate_set_failure, &indices,
                    &out->used_fallback);
    std::sort(indices.begin(), indices.end());
    for (int index : indices) {
      const CompiledPattern& p = lang.patterns[static_cast<size_t>(index)];
      std::vector<Span> spans;
      FindAll(*p.re, text, &spans);
      for (const Span& s : spans) raw.push_back(RawHit{&p, &lang, s});
    }
  }
  if (raw.empty()) return;

  std::vector<std::pair<Span, const CompiledIdiom*>> idiom_spans;
  for (const Language& lang : c.languages) {
    if (lang.idioms.empty()) continue;
    MatchingIndices(lang.idiom_set.get(), lang.idioms, text, c.options.simulate_set_failure,
                    &indices, &out->used_fallback);
    for (int index : indices) {
      const CompiledIdiom& idiom = lang.idioms[static_cast<size_t>(index)];
      std::vector<Span> spans;
      FindAll(*idiom.re, text, &spans, 0, 4 * kMaxOccurrences);
      for (const Span& s : spans) idiom_spans.emplace_back(s, &idiom);
    }
  }

  std::vector<Hit> hits;
  hits.reserve(raw.size());
  for (const RawHit& r : raw) hits.push_back(Judge(c, text, r, idiom_spans));

  // Rule 7, weight of means and goodbye signals: alone they ask; with any
  // other live signal in the message (not negated, not an idiom, from another
  // pattern) they make a crisis. "how many tylenol would it take" asks;
  // "this is goodbye, how many tylenol would it take" is a crisis.
  // Two means hits together are still only a question about means ("how
  // many tylenol would kill me" matches two means patterns): a means hit needs
  // a signal of another kind.
  for (size_t i = 0; i < hits.size(); ++i) {
    const PatternSpec& spec = raw[i].pattern->spec;
    if (spec.kind != PatternKind::kMeans && spec.kind != PatternKind::kGoodbye) continue;
    if (hits[i].level != Level::kAsk || !hits[i].rule.empty()) continue;
    for (size_t j = 0; j < hits.size(); ++j) {
      const PatternSpec& other = raw[j].pattern->spec;
      if (raw[j].pattern == raw[i].pattern || hits[j].level == Level::kNone ||
          hits[j].rule == "negation" ||
          (spec.kind == PatternKind::kMeans && other.kind == PatternKind::kMeans)) {
        continue;
      }
      hits[i].level = Level::kCrisis;
      hits[i].rule = "combined:" + hits[j].pattern_id;
      break;
    }
  }
  for (Hit& h : hits) out->hits.push_back(std::move(h));
}

void Summarise(Explanation* out) {
  Assessment& a = out->assessment;
  for (const Hit& h : out->hits) a.level = std::max(a.level, h.level);
  if (a.level == Level::kNone) return;
  bool anyone_self = false;
  std::set<std::string> categories;
  for (const Hit& h : out->hits) {
    if (h.level != a.level) continue;
    categories.insert(h.category);
    anyone_self = anyone_self || !h.about_someone_else;
  }
  a.categories.assign(categories.begin(), categories.end());
  a.about_someone_else = !anyone_self;
}

void AppendAll(std::vector<std::string>* to, const std::vector<std::string>& from) {
  to->insert(to->end(), from.begin(), from.end());
}

}  // namespace

PatternDetector::PatternDetector(std::unique_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}
PatternDetector::~PatternDetector() = default;

Explanation PatternDetector::Explain(std::string_view message) const {
  Explanation out;
  NormalizedText normalized;
  compiled_->normalizer.Normalize(message, &normalized);
  Evaluate(*compiled_, normalized.text, &out);
  if (!normalized.alternate.empty()) Evaluate(*compiled_, normalized.alternate, &out);
  out.normalized = std::move(normalized.text);
  Summarise(&out);
  return out;
}

Assessment PatternDetector::Assess(std::string_view message) const {
  // The engine's hot path: the normalised text is only needed while judging,
  // so each thread reuses one buffer instead of allocating per message (a
  // buffer grown by a huge message is released afterwards).
  thread_local NormalizedText normalized;
  Explanation out;
  compiled_->normalizer.Normalize(message, &normalized);
  Evaluate(*compiled_, normalized.text, &out);
  if (!normalized.alternate.empty()) Evaluate(*compiled_, normalized.alternate, &out);
  Summarise(&out);
  if (normalized.text.capacity() > (64u << 10)) normalized = NormalizedText{};
  return std::move(out.assessment);
}

std::vector<std::string> PatternDetector::languages() const {
  std::vector<std::string> out;
  for (const Language& l : compiled_->languages) out.push_back(l.code);
  return out;
}

size_t PatternDetector::pattern_count() const {
  size_t n = 0;
  for (const Language& l : compiled_->languages) n += l.patterns.size();
  return n;
}

Result<std::shared_ptr<const PatternDetector>> LoadPatternDetector(
    const std::vector<std::string>& pattern_files, const DetectorOptions& options) {
  Problems problems;
  auto normalizer = Normalizer::Create();
  if (!normalizer) return normalizer.problems();
  auto compiled = std::make_unique<Compiled>(std::move(normalizer).value());
  compiled->options = options;

  std::vector<PatternFile> files;
  for (const std::string& path : pattern_files) {
    auto file = ReadPatternFile(path);
    if (!file) {
      problems.insert(problems.end(), file.problems().begin(), file.problems().end());
      continue;
    }
    files.push_back(std::move(file).value());
  }
  bool any_patterns = false;
  for (const PatternFile& f : files) any_patterns = any_patterns || f.kind == "patterns";
  if (problems.empty() && !any_patterns) {
    problems.push_back(Problem{"", "", "no crisis pattern file given (patterns-*.json)"});
  }
  if (!problems.empty()) return problems;

  auto language_for = [&](const std::string& code) -> Language& {
    for (Language& l : compiled->languages) {
      if (l.code == code) return l;
    }
    compiled->languages.push_back(Language{code, {}, nullptr, {}, nullptr});
    return compiled->languages.back();
  };
  ContextCues cues;
  std::set<std::string> ids;
  for (PatternFile& f : files) {
    Language& lang = language_for(f.language);
    for (PatternSpec& spec : f.patterns) {
      if (!ids.insert(spec.id).second) {
        problems.push_back(Problem{f.file, spec.pointer + "/id", "id \"" + spec.id + "\" is used in another file"});
      }
      auto re = std::make_unique<RE2>(spec.regex, MatchOptions(0));
      lang.patterns.push_back(CompiledPattern{std::move(spec), std::move(re), f.file});
    }
    for (IdiomSpec& spec : f.idioms) {
      auto re = std::make_unique<RE2>(spec.regex, MatchOptions(0));
      lang.idioms.push_back(CompiledIdiom{std::move(spec), std::move(re), f.file});
    }
    AppendAll(&cues.negation, f.cues.negation);
    AppendAll(&cues.negation_cancelled_by, f.cues.negation_cancelled_by);
    AppendAll(&cues.hypothetical, f.cues.hypothetical);
    AppendAll(&cues.past, f.cues.past);
    AppendAll(&cues.media, f.cues.media);
    AppendAll(&cues.someone_else, f.cues.someone_else);
    AppendAll(&cues.self, f.cues.self);
    AppendAll(&cues.someone_else_in_span, f.cues.someone_else_in_span);
    AppendAll(&cues.self_in_span, f.cues.self_in_span);
    AppendAll(&cues.clause_breaks, f.cues.clause_breaks);
  }
  compiled->negation = CueRegex(cues.negation);
  compiled->negation_cancelled_by = CueRegex(cues.negation_cancelled_by);
  compiled->hypothetical = CueRegex(cues.hypothetical);
  compiled->past = CueRegex(cues.past);
  compiled->media = CueRegex(cues.media);
  compiled->someone_else = CueRegex(cues.someone_else);
  compiled->self = CueRegex(cues.self);
  compiled->someone_else_in_span = CueRegex(cues.someone_else_in_span);
  compiled->self_in_span = CueRegex(cues.self_in_span);
  compiled->clause_breaks = CueRegex(cues.clause_breaks);

  for (Language& lang : compiled->languages) {
    auto build = [&](auto& entries) -> std::unique_ptr<RE2::Set> {
      if (entries.empty()) return nullptr;
      auto set = std::make_unique<RE2::Set>(MatchOptions(options.set_max_mem), RE2::UNANCHORED);
      for (auto& e : entries) {
        std::string error;
        if (set->Add(e.spec.regex, &error) < 0) return nullptr;  // checked at parse time
      }
      // A set too large for its budget is not fatal: MatchingIndices falls
      // back to the individual patterns.
      if (!set->Compile()) return nullptr;
      return set;
    };
    lang.set = build(lang.patterns);
    lang.idiom_set = build(lang.idioms);
  }
  {
    auto screen = std::make_unique<RE2::Set>(MatchOptions(options.set_max_mem > 0 ? options.set_max_mem : kScreenMaxMem), RE2::UNANCHORED);
    bool ok = true;
    for (const Language& lang : compiled->languages) {
      for (const CompiledPattern& p : lang.patterns) {
        std::string error;
        ok = ok && screen->Add(p.spec.regex, &error) >= 0;
      }
    }
    if (ok && screen->Compile()) compiled->screen = std::move(screen);
  }

  // Every example in the files must be caught by its own pattern (or idiom)
  // once normalised: this keeps the data honest as it grows.
  NormalizedText normalized;
  auto check = [&](const auto& entry) {
    for (size_t i = 0; i < entry.spec.examples.size(); ++i) {
      const std::string& example = entry.spec.examples[i];
      compiled->normalizer.Normalize(example, &normalized);
      bool hit = RE2::PartialMatch(normalized.text, *entry.re) ||
                 (!normalized.alternate.empty() && RE2::PartialMatch(normalized.alternate, *entry.re));
      if (!hit) {
        problems.push_back(Problem{entry.file, entry.spec.pointer + "/examples/" + std::to_string(i),
                                   "example \"" + example + "\" does not match (normalised: \"" +
                                       normalized.text + "\")"});
      }
    }
  };
  for (const Language& lang : compiled->languages) {
    for (const CompiledPattern& p : lang.patterns) check(p);
    for (const CompiledIdiom& idiom : lang.idioms) check(idiom);
  }
  if (!problems.empty()) return problems;
  return std::make_shared<const PatternDetector>(std::move(compiled));
}

Result<std::shared_ptr<const Detector>> LoadDetector(const std::vector<std::string>& pattern_files) {
  auto detector = LoadPatternDetector(pattern_files);
  if (!detector) return detector.problems();
  return std::shared_ptr<const Detector>(std::move(detector).value());
}

std::vector<std::string> DefaultPatternFiles(const std::string& crisis_dir, std::string_view language) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(crisis_dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(crisis_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() < 5 || name.substr(name.size() - 5) != ".json") continue;
    std::string stem = name.substr(0, name.size() - 5);
    std::string lang;
    if (stem.rfind("patterns-", 0) == 0) {
      lang = stem.substr(9);
    } else if (stem.rfind("idioms-", 0) == 0) {
      lang = stem.substr(7);
    } else {
      continue;
    }
    if (!language.empty() && lang != language) continue;
    out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace screener::crisis
