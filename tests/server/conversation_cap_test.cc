// --max-conversations on a real socket: beyond the cap a start is refused
// with "unavailable" on a connection that stays usable, resumes still work,
// and places come back as conversations are replaced, forgotten or expire.
#include <thread>

#include <gtest/gtest.h>

#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

const json kStart = {{"type", "start"}, {"script", "emotional-numbness"}, {"region", "US"}};

// start → the token after session + bot, or "" after an "unavailable" error.
std::string TryStart(WsClient& c) {
  c.Send(kStart);
  std::optional<json> first = c.Read();
  if (!first) {
    ADD_FAILURE() << "no answer to start: " << c.last_error().message();
    return "";
  }
  if (first->value("type", "") == "error") {
    EXPECT_EQ(first->value("code", ""), "unavailable") << first->dump();
    EXPECT_FALSE(first->value("message", "").empty());
    return "";
  }
  EXPECT_EQ(first->value("type", ""), "session") << first->dump();
  c.Expect("bot");
  return first->value("token", "");
}

double MetricOf(const TestServer& s, const std::string& sample) {
  return Metric(HttpRequest(s.port(), "/metrics").body, sample);
}

bool Eventually(const std::function<bool()>& done) {
  for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

TEST(ServerConversationCap, AStartBeyondTheCapIsRefusedAndEverythingElseGoesOn) {
  TempDir dir;
  ServerOptions o;
  o.max_conversations = 2;
  o.save_interval = 100ms;
  TestServer s(dir.path(), o);
  WsClient a, b, c;
  ASSERT_TRUE(a.Connect(s.port()));
  ASSERT_TRUE(b.Connect(s.port()));
  ASSERT_TRUE(c.Connect(s.port()));
  std::string token_a = TryStart(a);
  std::string token_b = TryStart(b);
  ASSERT_FALSE(token_a.empty());
  ASSERT_FALSE(token_b.empty());

  EXPECT_EQ(TryStart(c), "");
  // The refused connection stays open and usable.
  c.Ask({{"type", "ping"}}, "pong");
  EXPECT_EQ(c.Ask({{"type", "message"}, {"text", "yes"}}, "error")["code"], "no_conversation");
  EXPECT_EQ(MetricOf(s, "screener_conversations_refused_total"), 1);
  EXPECT_EQ(MetricOf(s, "screener_protocol_errors_total{kind=\"unavailable\"}"), 1);
  EXPECT_EQ(MetricOf(s, "screener_conversations_live"), 2);

  // A start on a connection that has a conversation replaces it: at the cap
  // it frees its own place first.
  EXPECT_FALSE(TryStart(a).empty());
  EXPECT_EQ(MetricOf(s, "screener_conversations_live"), 2);

  // A dropped connection's conversation stays resumable, so it still counts.
  b.Drop();
  ASSERT_TRUE(Eventually([&] { return s.server->metrics().connections_open.load() == 2; }));
  EXPECT_EQ(TryStart(c), "");
  // Resuming it needs no new place: it works at the cap.
  c.Send({{"type", "resume"}, {"token", token_b}});
  EXPECT_EQ(c.Expect("session")["resumed"], true);
  c.Expect("bot");
  EXPECT_EQ(c.Ask({{"type", "message"}, {"text", "yes"}})["state"], "q1");

  // Forgetting gives the place back.
  a.Ask({{"type", "forget"}}, "forgotten");
  WsClient d;
  ASSERT_TRUE(d.Connect(s.port()));
  EXPECT_FALSE(TryStart(d).empty());
  EXPECT_EQ(MetricOf(s, "screener_conversations_refused_total"), 2);

  // Logged by the persister (once per save interval at most), without text.
  ASSERT_TRUE(Eventually([&] { return s.capture.text().find("\"conversations_refused\"") != std::string::npos; }));
  std::string log = s.capture.text();
  EXPECT_NE(log.find("\"max_conversations\":2"), std::string::npos) << log;
  EXPECT_EQ(log.find(token_b), std::string::npos);
}

TEST(ServerConversationCap, AnExpiredConversationGivesItsPlaceBack) {
  TempDir dir;
  ServerOptions o;
  o.max_conversations = 1;
  o.resume_window = 300ms;
  o.save_interval = 50ms;  // the expiry sweep runs with the saves
  TestServer s(dir.path(), o);
  WsClient a, b;
  ASSERT_TRUE(a.Connect(s.port()));
  ASSERT_TRUE(b.Connect(s.port()));
  ASSERT_FALSE(TryStart(a).empty());
  a.Drop();
  EXPECT_EQ(TryStart(b), "");
  std::string token;
  for (auto until = std::chrono::steady_clock::now() + 5s; token.empty() && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(200ms);
    token = TryStart(b);
  }
  EXPECT_FALSE(token.empty()) << "the expired conversation's place never came back";
  EXPECT_GE(s.server->metrics().conversations_expired.load(), 1u);
}

}  // namespace
}  // namespace screener::server::testing
