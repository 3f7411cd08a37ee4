// Loader errors for pattern and idiom files, verbatim: "file: /pointer: reason".
#include "dialogue/crisis/pattern_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "dialogue/crisis/detector.h"

namespace screener::crisis {
namespace {

std::string Errors(const std::string& json) {
  auto file = ParsePatternFile(json, "p.json");
  return file.ok() ? "ok" : file.error();
}

const char* kMinimal = R"({"kind": "patterns", "language": "xx", "patterns": [
  {"id": "x.one", "category": "suicide", "tier": "crisis", "regex": "\\bwant to die\\b"}]})";

TEST(PatternFileTest, MinimalFileParses) {
  auto file = ParsePatternFile(kMinimal, "p.json");
  ASSERT_TRUE(file.ok()) << file.error();
  EXPECT_EQ(file->language, "xx");
  ASSERT_EQ(file->patterns.size(), 1u);
  EXPECT_EQ(file->patterns[0].tier, Level::kCrisis);
  EXPECT_EQ(file->patterns[0].kind, PatternKind::kStatement);
  EXPECT_EQ(file->patterns[0].pointer, "/patterns/0");
}

TEST(PatternFileTest, ErrorsSayWhere) {
  struct Case {
    const char* json;
    const char* error;
  };
  const Case cases[] = {
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "(unclosed"}]})",
       "p.json: /patterns/0/regex: invalid regex: missing ): (unclosed"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicid", "tier": "crisis", "regex": "x"}]})",
       "p.json: /patterns/0/category: unknown category \"suicid\" (expected suicide, self_harm, "
       "harm_to_others or danger)"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "maybe", "regex": "x"}]})",
       "p.json: /patterns/0/tier: unknown tier \"maybe\" (expected crisis or ask)"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "ask", "kind": "vibes", "regex": "x"}]})",
       "p.json: /patterns/0/kind: unknown kind \"vibes\" (expected statement, means, goodbye or distress)"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x", "colour": "red"}]})",
       "p.json: /patterns/0/colour: unknown field"},
      {R"({"kind": "patterns", "language": "xx", "patterns": []})", "p.json: /patterns: must not be empty"},
      {R"({"kind": "patterns", "language": "xx"})", "p.json: /: missing field \"patterns\""},
      {R"({"kind": "patterns", "language": "xx", "extra": 1, "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x"}]})",
       "p.json: /extra: unknown field"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x"},
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "y"}]})",
       "p.json: /patterns/1/id: duplicate id \"a\" (first at /patterns/0)"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "{nope} x"}]})",
       "p.json: /patterns/0/regex: unknown macro {nope}"},
      {R"({"kind": "patterns", "language": "xx", "patterns": [
         {"category": "suicide", "tier": "crisis", "regex": "x"}]})",
       "p.json: /patterns/0: missing field \"id\""},
      {R"({"kind": "patterns", "language": "EN", "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x"}]})",
       "p.json: /language: must be a lower-case language code such as \"en\""},
      {R"({"kind": "rules", "language": "xx", "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x"}]})",
       "p.json: /kind: unknown kind \"rules\" (expected patterns or idioms)"},
      {R"({"kind": "patterns", "language": "xx", "context": {"negation": ["(bad"]}, "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x"}]})",
       "p.json: /context/negation/0: invalid regex: missing ): (bad"},
      {R"({"kind": "patterns", "language": "xx", "context": {"negatoin": []}, "patterns": [
         {"id": "a", "category": "suicide", "tier": "crisis", "regex": "x"}]})",
       "p.json: /context/negatoin: unknown field"},
      {R"({"kind": "idioms", "language": "xx", "idioms": [{"id": "i", "regex": "x", "category": "suicide"}]})",
       "p.json: /idioms/0/category: unknown field"},
  };
  for (const Case& c : cases) EXPECT_EQ(Errors(c.json), c.error) << c.json;
}

TEST(PatternFileTest, AllProblemsAreCollected) {
  auto file = ParsePatternFile(R"({"kind": "patterns", "language": "xx", "patterns": [
      {"id": "a", "category": "nope", "tier": "crisis", "regex": "x"},
      {"id": "b", "category": "suicide", "tier": "nope", "regex": "(x"}]})",
                               "p.json");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.problems().size(), 3u);
}

TEST(PatternFileTest, MacrosExpandAndLeaveRepetitionsAlone) {
  auto file = ParsePatternFile(R"({"kind": "patterns", "language": "xx",
      "define": {"die": "die|dead", "want": "want(?:s)? to {die}"},
      "patterns": [{"id": "a", "category": "suicide", "tier": "crisis", "regex": "\\b{want} x{2,3}\\{lit\\}"}]})",
                               "p.json");
  ASSERT_TRUE(file.ok()) << file.error();
  EXPECT_EQ(file->patterns[0].regex, "\\b(?:want(?:s)? to (?:die|dead)) x{2,3}\\{lit\\}");
}

TEST(PatternFileTest, InvalidJson) {
  std::string e = Errors("{ nope");
  EXPECT_EQ(e.rfind("p.json: not valid JSON: ", 0), 0u) << e;
}

class TempFile {
 public:
  TempFile(const std::string& name, const std::string& text) : path_(::testing::TempDir() + name) {
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadDetectorErrorsTest, ExamplesMustMatchTheirPattern) {
  TempFile f("examples.json", R"({"kind": "patterns", "language": "xx", "patterns": [
      {"id": "x.a", "category": "suicide", "tier": "crisis", "regex": "\\bwant to die\\b",
       "examples": ["I WANT TO DIE", "I want to live"]}]})");
  auto detector = LoadDetector({f.path()});
  ASSERT_FALSE(detector.ok());
  EXPECT_EQ(detector.error(), f.path() + ": /patterns/0/examples/1: example \"I want to live\" does not "
                                         "match (normalised: \"i want to live\")");
}

TEST(LoadDetectorErrorsTest, MissingFilesAndNoPatterns) {
  auto missing = LoadDetector({"no/such/file.json"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "no/such/file.json: cannot open file");
  auto none = LoadDetector({});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(), "no crisis pattern file given (patterns-*.json)");
  TempFile idioms("idioms-only.json", R"({"kind": "idioms", "language": "xx", "idioms": [{"id": "i", "regex": "x"}]})");
  auto only_idioms = LoadDetector({idioms.path()});
  ASSERT_FALSE(only_idioms.ok());
  EXPECT_EQ(only_idioms.error(), "no crisis pattern file given (patterns-*.json)");
}

TEST(LoadDetectorErrorsTest, IdsAreUniqueAcrossFiles) {
  const char* text = R"({"kind": "patterns", "language": "xx", "patterns": [
      {"id": "x.a", "category": "suicide", "tier": "crisis", "regex": "die"}]})";
  TempFile a("a.json", text), b("b.json", text);
  auto detector = LoadDetector({a.path(), b.path()});
  ASSERT_FALSE(detector.ok());
  EXPECT_EQ(detector.error(), b.path() + ": /patterns/0/id: id \"x.a\" is used in another file");
}

TEST(LoadDetectorErrorsTest, ShippedFilesLoadCleanly) {
  auto detector = LoadDetector(DefaultPatternFiles("scripts/crisis"));
  EXPECT_TRUE(detector.ok()) << detector.error();
}

}  // namespace
}  // namespace screener::crisis
