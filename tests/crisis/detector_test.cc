// The detector with the shipped pattern files: each context rule, each
// idiom, the weighting of means and goodbye signals, and the fallback when
// an RE2::Set fails.
#include "dialogue/crisis/detector.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace screener::crisis {
namespace {

std::shared_ptr<const PatternDetector> Shipped(const DetectorOptions& options = {}) {
  auto files = DefaultPatternFiles("scripts/crisis");
  EXPECT_FALSE(files.empty()) << "tests run from the repository root";
  auto detector = LoadPatternDetector(files, options);
  EXPECT_TRUE(detector.ok()) << detector.error();
  return detector.ok() ? *detector : nullptr;
}

class DetectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { detector_ = Shipped(); }
  static void TearDownTestSuite() { detector_.reset(); }
  static std::shared_ptr<const PatternDetector> detector_;

  static std::string Level(std::string_view message) {
    return std::string(LevelName(detector_->Assess(message).level));
  }
  static std::string Rules(std::string_view message) {
    std::string out;
    for (const Hit& h : detector_->Explain(message).hits) {
      if (!out.empty()) out += ' ';
      out += h.rule.empty() ? "-" : h.rule.substr(0, h.rule.find(':'));
    }
    return out;
  }
};
std::shared_ptr<const PatternDetector> DetectorTest::detector_;

struct Case {
  const char* message;
  const char* level;
};

TEST_F(DetectorTest, LoadsBothLanguages) {
  ASSERT_TRUE(detector_);
  EXPECT_EQ(detector_->languages(), (std::vector<std::string>{"en", "es"}));
  EXPECT_GT(detector_->pattern_count(), 60u);
}

TEST_F(DetectorTest, LevelNames) {
  EXPECT_EQ(LevelName(Level::kNone), "none");
  EXPECT_EQ(LevelName(Level::kAsk), "ask");
  EXPECT_EQ(LevelName(Level::kCrisis), "crisis");
}

TEST_F(DetectorTest, PlainStatementsAreCrisis) {
  for (const char* m : {"I want to die", "quiero morir", "no quiero vivir", "kms", "I'm not safe at home",
                        "he's going to hurt me", "I want to hurt myself", "me va a matar"}) {
    EXPECT_EQ(Level(m), "crisis") << m;
  }
}

TEST_F(DetectorTest, Categories) {
  EXPECT_EQ(detector_->Assess("I want to die").categories, std::vector<std::string>{"suicide"});
  EXPECT_EQ(detector_->Assess("I cut myself").categories, std::vector<std::string>{"self_harm"});
  EXPECT_EQ(detector_->Assess("I want to kill him").categories,
            std::vector<std::string>{"harm_to_others"});
  EXPECT_EQ(detector_->Assess("someone is hitting me").categories, std::vector<std::string>{"danger"});
  EXPECT_EQ(detector_->Assess("my dad beats me and I want to die").categories,
            (std::vector<std::string>{"danger", "suicide"}));
  EXPECT_TRUE(detector_->Assess("hello there").categories.empty());
}

// Rule: negation within three words before the hit, same clause -> ask.
TEST_F(DetectorTest, NegationAsksNeverNone) {
  const Case cases[] = {
      {"I'm not suicidal", "ask"},
      {"I don't want to die", "ask"},
      {"I would never kill myself", "ask"},
      {"no quiero morir", "ask"},
      {"nunca me mataría", "ask"},
      // negation inside the pattern itself is the statement
      {"I don't want to live anymore", "crisis"},
      {"no quiero vivir", "crisis"},
      // negation that negates something else ("not ok") does not count
      {"I'm not ok I want to die", "crisis"},
      // a clause break ends its scope
      {"I'm not sure, but I want to die", "crisis"},
      {"no, I want to die", "crisis"},
  };
  for (const Case& c : cases) EXPECT_EQ(Level(c.message), c.level) << c.message;
  EXPECT_EQ(Rules("I don't want to die"), "negation");
}

TEST_F(DetectorTest, HypotheticalPastAndQuotationAsk) {
  const Case cases[] = {
      {"what if I killed myself", "ask"},
      {"if I ever wanted to die, who would I call", "ask"},
      {"I used to want to die", "ask"},
      {"years ago I cut myself", "ask"},
      {"hace años quería morir", "ask"},
      {"the song says \"I want to die\"", "ask"},
      {"the lyrics go i want to die", "ask"},
      {"y si me suicidara", "ask"},
      // a recent act is not "the past"
      {"last night I tried to kill myself", "crisis"},
  };
  for (const Case& c : cases) EXPECT_EQ(Level(c.message), c.level) << c.message;
  EXPECT_EQ(Rules("what if I killed myself"), "hypothetical");
  EXPECT_EQ(Rules("I used to want to die"), "past");
  EXPECT_EQ(Rules("the song says \"I want to die\""), "quotation");
}

TEST_F(DetectorTest, SomeoneElse) {
  for (const char* m : {"my friend says she wants to die", "My sister wants to kill herself",
                        "mi amiga dice que se quiere matar", "my son is suicidal"}) {
    Assessment a = detector_->Assess(m);
    EXPECT_EQ(a.level, Level::kCrisis) << m;
    EXPECT_TRUE(a.about_someone_else) << m;
  }
  for (const char* m : {"I want to die", "my friend told me I should kill myself",
                        "he's going to hurt me", "my friend wants to die and I want to die too"}) {
    EXPECT_FALSE(detector_->Assess(m).about_someone_else) << m;
  }
  // Quoted speech attributed to someone else stays a crisis, about them.
  Assessment quoted = detector_->Assess("my sister texted me \"I want to die\"");
  EXPECT_EQ(quoted.level, Level::kCrisis);
  EXPECT_TRUE(quoted.about_someone_else);
}

TEST_F(DetectorTest, MeansQuestionsAskAndWeighHeavilyWithOtherSignals) {
  const Case cases[] = {
      {"how many tylenol would it take", "ask"},
      {"how many tylenol would kill me", "ask"},
      {"what is a lethal dose of paracetamol", "ask"},
      {"800mg", "ask"},
      {"\xf0\x9f\x92\x8a", "ask"},
      {"what's the tallest bridge near me", "ask"},
      {"antifreeze", "ask"},
      {"I can't take it anymore, how many tylenol would it take", "crisis"},
      {"\xf0\x9f\x92\x8a\xf0\x9f\x92\x8a this is goodbye", "crisis"},
      // negated signals do not escalate
      {"I'm not suicidal, how many tylenol is safe", "ask"},
  };
  for (const Case& c : cases) EXPECT_EQ(Level(c.message), c.level) << c.message;
}

TEST_F(DetectorTest, GoodbyeSignals) {
  EXPECT_EQ(Level("this is goodbye"), "ask");
  EXPECT_EQ(Level("take care of my cat for me"), "ask");
  EXPECT_EQ(Level("this is goodbye, please take care of my cat for me"), "crisis");
  EXPECT_EQ(Level("you won't have to worry about me anymore"), "ask");
  EXPECT_EQ(Level("by the time you read this I'll be gone"), "crisis");
}

// Stated intent next to a means or goodbye signal is a crisis, not a
// question; the same intent or reason alone, or the signal alone, asks.
TEST_F(DetectorTest, IntentWithMeansOrGoodbyeIsCrisis) {
  EXPECT_EQ(Level("I'm standing on the bridge and I want to jump"), "crisis");
  EXPECT_EQ(Level("I'm stockpiling my pills so I can die"), "crisis");
  EXPECT_EQ(Level("I'm giving away all my stuff because I won't need it"), "crisis");
  EXPECT_EQ(Level("I want to jump"), "ask");
  EXPECT_EQ(Level("I want to jump into the pool"), "none");
  EXPECT_EQ(Level("because I won't need it anymore"), "ask");
}

// Passive ideation: a wish not to be here, indifference to waking up.
TEST_F(DetectorTest, PassiveIdeationIsCaught) {
  EXPECT_EQ(Level("sometimes I wish I wasn't here"), "crisis");
  EXPECT_EQ(Level("I don't care if I wake up tomorrow"), "crisis");
  EXPECT_EQ(Level("I just want it all to end"), "crisis");
  EXPECT_EQ(Level("no me importa si me muero"), "crisis");
  // Their everyday look-alikes stay quiet.
  EXPECT_EQ(Level("I wish I wasn't so tired"), "none");
  EXPECT_EQ(Level("I don't care if it rains tomorrow"), "none");
  EXPECT_EQ(Level("I want this meeting to end"), "none");
  EXPECT_EQ(Level("I need to end this call, talk later"), "none");
  // A prescription idiom removes the dose hit only, never a stated wish.
  EXPECT_EQ(Level("I'm taking 50mg of sertraline"), "none");
  EXPECT_EQ(Level("I'm taking 50mg of sertraline and I want to die"), "crisis");
}

TEST_F(DetectorTest, IdiomsSuppressOnlyTheirOwnSpan) {
  const char* idioms[] = {
      "this traffic is killing me", "I could kill for a coffee", "I'm dying to see that film",
      "my phone died", "that joke killed", "you're killing it", "killing time before my train",
      "I'm dead tired", "this cake is to die for", "I almost died laughing",
      "I could die of embarrassment", "she hit me up yesterday", "we watched Suicide Squad",
      "my mom is going to kill me when she sees my grades", "I cut myself shaving",
      "I want to die my hair blue", "my brother beat me at chess",
      "me muero de risa", "me mata el calor", "este tráfico me está matando",
      "voy a cortarme el pelo", "para matar el tiempo",
  };
  for (const char* m : idioms) EXPECT_EQ(Level(m), "none") << m;
  EXPECT_EQ(Level("this traffic is killing me and I want to die"), "crisis");
  EXPECT_EQ(Level("me muero de risa pero quiero morir"), "crisis");
  EXPECT_EQ(Level("I cut myself shaving. I also cut myself on purpose"), "crisis");
  EXPECT_EQ(Rules("she hit me up yesterday"), "idiom");
}

TEST_F(DetectorTest, ObfuscationsThroughTheWholePipeline) {
  for (const char* m : {"k1ll myself", "k!ll myself", "su1cidal", "5uicidal", "sewerslide",
                        "unalive myself", "k i l l myself", "i want to dieeee", "I want to ｄｉｅ",
                        "I want to k\u0456ll myself", "I w\u200bant to die", "iwanttodie",
                        "quiero moriiiir", "ME QUIERO MATAR"}) {
    EXPECT_NE(Level(m), "none") << m;
  }
}

TEST_F(DetectorTest, ACrisisAtTheEndOfAHugeMessageIsFound) {
  std::string big;
  while (big.size() < (2u << 20)) big += "this traffic is killing me. ";
  big += "I want to die";
  EXPECT_EQ(Level(big), "crisis");
}

TEST_F(DetectorTest, OrdinaryChatIsNone) {
  for (const char* m : {"hello", "several days", "I feel a bit down today", "nearly every day",
                        "I take 10mg of lexapro every morning", "quiero ir a la playa", ""}) {
    EXPECT_EQ(Level(m), "none") << m;
  }
}

TEST_F(DetectorTest, SafeToShareBetweenThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        if (!detector_->Assess("I want to die").is_crisis()) ++wrong;
        if (detector_->Assess("my phone died").level != Level::kNone) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// An engine failure must never read as "no crisis".
TEST(DetectorFallbackTest, SimulatedSetFailureStillFindsCrises) {
  DetectorOptions options;
  options.simulate_set_failure = true;
  auto detector = Shipped(options);
  ASSERT_TRUE(detector);
  Explanation e = detector->Explain("I want to die");
  EXPECT_TRUE(e.used_fallback);
  EXPECT_EQ(e.assessment.level, Level::kCrisis);
  EXPECT_EQ(detector->Assess("this traffic is killing me").level, Level::kNone);
  EXPECT_EQ(detector->Assess("I'm not suicidal").level, Level::kAsk);
}

TEST(DetectorFallbackTest, RealOutOfMemorySetFallsBack) {
  // A budget too small for the sets: either they fail to compile or their
  // DFA runs out of memory at match time. Both must fall back.
  DetectorOptions options;
  options.set_max_mem = 64 << 10;
  auto detector = Shipped(options);
  ASSERT_TRUE(detector);
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "word" + std::to_string(i) + " ";
  long_text += "I want to die";
  Explanation e = detector->Explain(long_text);
  EXPECT_TRUE(e.used_fallback);
  EXPECT_EQ(e.assessment.level, Level::kCrisis);
  Explanation quiet = detector->Explain(long_text.substr(0, long_text.size() - 13));
  EXPECT_EQ(quiet.assessment.level, Level::kNone);
}

TEST(DefaultPatternFilesTest, ListsPatternsAndIdiomsByLanguage) {
  auto all = DefaultPatternFiles("scripts/crisis");
  EXPECT_EQ(all, (std::vector<std::string>{"scripts/crisis/idioms-en.json", "scripts/crisis/idioms-es.json",
                                           "scripts/crisis/patterns-en.json",
                                           "scripts/crisis/patterns-es.json"}));
  EXPECT_EQ(DefaultPatternFiles("scripts/crisis", "es"),
            (std::vector<std::string>{"scripts/crisis/idioms-es.json", "scripts/crisis/patterns-es.json"}));
  EXPECT_TRUE(DefaultPatternFiles("no/such/dir").empty());
}

TEST(LoadDetectorTest, ReturnsTheEngineInterface) {
  auto detector = LoadDetector(DefaultPatternFiles("scripts/crisis"));
  ASSERT_TRUE(detector.ok()) << detector.error();
  EXPECT_TRUE((*detector)->Assess("I want to die").is_crisis());
}

}  // namespace
}  // namespace screener::crisis
