#include "dialogue/text.h"

#include <gtest/gtest.h>

#include <random>

namespace screener {
namespace {

TEST(FoldForMatching, FoldsCaseAccentsApostrophesAndPunctuation) {
  EXPECT_EQ(FoldForMatching("  Yes!!  I   THINK so... "), "yes i think so");
  EXPECT_EQ(FoldForMatching("I don’t know"), "i dont know");
  EXPECT_EQ(FoldForMatching("Sí, CLARO"), "si claro");
  EXPECT_EQ(FoldForMatching("más de la mitad"), "mas de la mitad");
  EXPECT_EQ(FoldForMatching("?"), "?");
  EXPECT_EQ(FoldForMatching("what?"), "what");
  EXPECT_EQ(FoldForMatching("STRASSE Straße"), "strasse strasse");
  EXPECT_EQ(FoldForMatching(""), "");
}

TEST(FoldForMatching, InvalidUtf8IsNotTrusted) {
  std::string bad = "yes\xff\xfe";
  std::string folded = FoldForMatching(bad);
  EXPECT_EQ(folded.rfind("yes", 0), 0u);
  EXPECT_TRUE(IsValidUtf8(folded));
}

TEST(WithinOneEdit, CountsOneInsertionDeletionOrSubstitution) {
  EXPECT_TRUE(WithinOneEdit("several", "several"));
  EXPECT_TRUE(WithinOneEdit("several", "sevral"));
  EXPECT_TRUE(WithinOneEdit("sevral", "several"));
  EXPECT_TRUE(WithinOneEdit("never", "nevar"));
  EXPECT_TRUE(WithinOneEdit("often", "oftenn"));
  EXPECT_FALSE(WithinOneEdit("several", "sevrl"));
  EXPECT_FALSE(WithinOneEdit("always", "alwyas"));  // a swap is two edits
  EXPECT_FALSE(WithinOneEdit("abc", "abcde"));
}

TEST(IsValidUtf8, AcceptsUtf8RejectsBrokenSequences) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("sí 💊"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // a UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong
}

// FoldForMatching takes an ASCII shortcut; it must agree with ICU exactly.
TEST(FoldForMatching, AsciiShortcutAgreesWithIcu) {
  const std::string alphabet = "aZz09 ?!.'`-_\t\n\x01\x7f,;";
  std::mt19937 rng(11);
  for (int k = 0; k < 20000; ++k) {
    std::string s(rng() % 10, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    EXPECT_EQ(FoldForMatching(s), FoldForMatchingWithIcu(s)) << "input: \"" << s << "\"";
  }
}

}  // namespace
}  // namespace screener
