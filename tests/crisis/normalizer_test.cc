// Each normalisation step, table-driven: input -> first variant (and the
// second when letters were stretched).
#include "dialogue/crisis/normalizer.h"
#include "dialogue/crisis/plain_chat.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace screener::crisis {
namespace {

class NormalizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto n = Normalizer::Create();
    ASSERT_TRUE(n.ok()) << n.error();
    normalizer_ = new Normalizer(std::move(n).value());
  }
  static void TearDownTestSuite() { delete normalizer_; }
  static Normalizer* normalizer_;
};
Normalizer* NormalizerTest::normalizer_ = nullptr;

struct Case {
  const char* input;
  const char* expected;
};

TEST_F(NormalizerTest, CanonicalForms) {
  const Case cases[] = {
      // case and spacing
      {"I Want To DIE", "i want to die"},
      {"  i   want\tto \n die  ", "i want to die"},
      // repeated punctuation collapses; single punctuation stays
      {"why!!!!!! ...", "why! ."},
      {"no?? really??", "no? really?"},
      // curly quotes and typographic apostrophes
      {"don\u2019t", "don't"},
      {"\u201cI want to die\u201d", "\"i want to die\""},
      {"\u00bfcu\u00e1ntas?", "?cuantas?"},
      // NFKC: full-width and mathematical letters, ligatures
      {"\uff4b\uff49\uff4c\uff4c", "kill"},
      {"\xf0\x9d\x90\xa4\xf0\x9d\x90\xa2\xf0\x9d\x90\xa5\xf0\x9d\x90\xa5", "kill"},
      {"\ufb01ne", "fine"},
      // default-ignorables vanish (zero-width space, joiner, soft hyphen)
      {"ki\u200bll", "kill"},
      {"d\u200di\u00ade", "die"},
      // accents: Spanish patterns are accent-free
      {"hacerme da\u00f1o", "hacerme dano"},
      {"ojal\u00e1 MORIR", "ojala morir"},
      {"K\u0130LL", "kill"},
      // look-alikes through ICU's skeleton (Cyrillic i and a, Greek o)
      {"k\u0456ll", "kill"},
      {"\u0430nd", "and"},
      {"t\u03bf die", "to die"},
      // ...but ASCII letters are never passed to the skeleton ("m" stays "m")
      {"me myself", "me myself"},
      // leetspeak inside words
      {"k1ll", "kill"},
      {"k!ll myself", "kill myself"},
      {"su1cide", "suicide"},
      {"5uicide", "suicide"},
      {"$uicidal", "suicidal"},
      {"ki11", "kill"},
      {"d3ad", "dead"},
      // numbers with units are kept for dose patterns
      {"800mg", "800mg"},
      {"take 20 pills at 2am", "take 20 pills at 2am"},
      {"13 11 14", "13 11 14"},
      // trailing symbols are punctuation, not letters
      {"die!", "die!"},
      // spaced letters
      {"k i l l myself", "kill myself"},
      {"k.i.l.l", "kill"},
      {"d-i-e", "die"},
      {"a b", "a b"},
      // emoji survive for patterns
      {"\xf0\x9f\x92\x8a", "\xf0\x9f\x92\x8a"},
      // invalid UTF-8 is dropped, never a crash
      {"ki\xffll", "kill"},
      {"\xc3", ""},
      {"", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(normalizer_->Normalize(c.input), c.expected) << "input: " << c.input;
  }
}

TEST_F(NormalizerTest, StretchedLettersGiveTwoVariants) {
  struct Stretch {
    const char* input;
    const char* text;
    const char* alternate;
  };
  const Stretch cases[] = {
      {"dieeee", "diee", "die"},
      {"killllll", "kill", "kil"},
      {"i want to dieeeee", "i want to diee", "i want to die"},
      {"sooo tired", "soo tired", "so tired"},
      {"moriiiir", "moriir", "morir"},
  };
  for (const Stretch& c : cases) {
    NormalizedText out;
    normalizer_->Normalize(c.input, &out);
    EXPECT_EQ(out.text, c.text) << c.input;
    EXPECT_EQ(out.alternate, c.alternate) << c.input;
  }
  NormalizedText plain;
  normalizer_->Normalize("kill all the weeds", &plain);
  EXPECT_EQ(plain.alternate, "") << "doubled letters are not stretched";
}

// Normalize() takes a one-pass shortcut for plain ASCII chat; it must agree
// byte for byte with the general path on every input, shortcut taken or not.
TEST_F(NormalizerTest, ShortcutAgreesWithTheGeneralPath) {
  auto same = [&](const std::string& m) {
    NormalizedText fast, slow;
    normalizer_->Normalize(m, &fast);
    normalizer_->NormalizeSlow(m, &slow);
    EXPECT_EQ(fast.text, slow.text) << "input: \"" << m << "\"";
    EXPECT_EQ(fast.alternate, slow.alternate) << "input: \"" << m << "\"";
  };
  for (const char* path : {"tests/crisis/corpus.tsv", "tests/crisis/heldout.tsv", "tests/crisis/heldout2.tsv"}) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) same(line.substr(line.rfind('\t') + 1));
  }
  for (const char* m : {"I'm", "i'm i am", "a b", "a b c", "a. b. c", "a  b c", "I  A M", "x,y,z", "it's s o",
                        "heyyy", "aa", "Aaa", "AAA", "...", "!!", "hi!!", "k!ll", "k|ll", "`quote`",
                        "  lead and trail  ", "\t\ttabs\tand\nnewlines\r", "a\tb\tc", "o_o", "a-b-c", "a*b*c"}) {
    same(m);
  }
  // Random strings over the bytes that matter to both paths.
  const std::string alphabet = "abcdeiklmsABCDEIKLMS      .,'\"?-_*!|@$`019\t\n;:()";
  std::mt19937 rng(20261124);
  for (int k = 0; k < 20000; ++k) {
    std::string m(rng() % 24, ' ');
    for (char& c : m) c = alphabet[rng() % alphabet.size()];
    same(m);
  }
  // Longer, mostly plain strings: the vectorised path works sixteen bytes at
  // a time and looks across block edges, so mistakes hide at lengths above 16.
  const std::string plain_alphabet = "abcdeilmosty ABEIT     ,.'?-;:()\"";
  for (int k = 0; k < 20000; ++k) {
    std::string m(1 + rng() % 80, ' ');
    for (char& c : m) c = plain_alphabet[rng() % plain_alphabet.size()];
    if (k % 7 == 0) m[rng() % m.size()] = alphabet[rng() % alphabet.size()];
    same(m);
  }
  // Common non-ASCII characters (folded by table) mixed with ones that need
  // ICU: a combining accent, a Cyrillic look-alike, ill-formed bytes, emoji.
  const std::vector<std::string> pieces = {
      "a", "e", "k", "l", "i", " ", " ", "s", "o", ".", "'", "1", "K", "I", "L", "MG", "8", "00", "!", "\u00e1", "\u00e9", "\u00ed", "\u00f1",
      "\u00d1", "\u00fc", "\u00bf", "\u00a1", "\u00df", "\u2019", "\u201c", "\u201d", "\u2026", "\u2014",
      "\u00a0", "\u00ad", "\u00e6", "\u0141", "\u0301", "\u0456", "\xff", "\xc3", "\U0001F48A"};
  for (int k = 0; k < 20000; ++k) {
    std::string m;
    for (size_t n = 1 + rng() % 20; n > 0; --n) m += pieces[rng() % pieces.size()];
    same(m);
  }
}

// Ordinary chat takes the vectorised path (else the detector loses half its
// speed unnoticed), and it declines whatever the general path must see.
TEST(PlainChatTest, TakesOrdinaryChatAndDeclinesTheRest) {
  std::string out;
  EXPECT_TRUE(LowercasePlainChat(
      "I have been sleeping badly for the last two weeks, and I feel tired most of the day (honestly).", &out));
  EXPECT_EQ(out, "i have been sleeping badly for the last two weeks, and i feel tired most of the day (honestly).");
  EXPECT_TRUE(LowercasePlainChat("Not at all; I'm mostly worried about the sleep?", &out));
  const std::vector<std::string> declined = {"", " leading", "trailing ", "two  spaces", "k1ll", "k!ll",
                                             "caf\xc3\xa9", "sooo tired", "wait...", "k i l l", "x `y`",
                                             "tab\there", std::string(kMaxPlainChatBytes + 1, 'a')};
  for (const std::string& m : declined) {
    EXPECT_FALSE(LowercasePlainChat(m, &out)) << m;
  }
}

TEST_F(NormalizerTest, HugeInputIsProcessedToTheEnd) {
  std::string big(4 << 20, 'a');
  for (size_t i = 100; i < big.size(); i += 100) big[i] = ' ';
  big += " I want to d\u200bie";
  std::string out = normalizer_->Normalize(big);
  ASSERT_GE(out.size(), 13u);
  EXPECT_EQ(out.substr(out.size() - 13), "i want to die");
}

TEST_F(NormalizerTest, RandomBytesNeverCrash) {
  std::string s;
  uint32_t x = 12345;
  for (int round = 0; round < 2000; ++round) {
    s.clear();
    for (int i = 0; i < 64; ++i) {
      x = x * 1103515245u + 12345u;
      s.push_back(static_cast<char>(x >> 16));
    }
    NormalizedText out;
    normalizer_->Normalize(s, &out);
  }
  SUCCEED();
}

}  // namespace
}  // namespace screener::crisis
