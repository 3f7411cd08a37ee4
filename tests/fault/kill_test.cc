// kill -9 of a real screener-server mid-conversation, then a restart on the
// same state dir. The documented window (docs/server.md, "Persistence
// window") is the save interval, 2 s by default: a conversation resumes at
// its last saved turn, and every turn older than the window is saved.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/fault/fault_support.h"

namespace screener::server::testing {
namespace {

// The saved record of the only conversation in `state`, or null.
json SavedRecord(const std::string& state) {
  std::vector<json> records = SavedRecords(state);
  return records.empty() ? json(nullptr) : records.front();
}

int64_t SavedLastAnswered(const std::string& state) {
  json r = SavedRecord(state);
  return r.is_object() ? r.value("last_answered", int64_t{-2}) : -2;
}

TEST(FaultKill, ConversationResumesAtItsLastSavedTurnWithinTheWindow) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  std::string token;
  {
    ServerProcess server(state);  // default --save-interval: 2 s
    ASSERT_NE(server.port(), 0) << server.Log();
    WsClient c;
    ASSERT_TRUE(c.Connect(server.port())) << server.Log();
    token = Begin(c);
    EXPECT_EQ(c.Ask(MessageFrame("yes", 1))["state"], "q1");
    EXPECT_EQ(c.Ask(MessageFrame("no", 2))["state"], "q2");
    // The window: an answered turn is on disk within one save interval
    // (plus scheduling slack), without any shutdown.
    auto answered = std::chrono::steady_clock::now();
    ASSERT_TRUE(WaitFor([&] { return SavedLastAnswered(state) == 2; }, 4s)) << SavedRecord(state).dump();
    auto saved_after = std::chrono::steady_clock::now() - answered;
    EXPECT_LE(saved_after, 2s + 700ms) << "a turn took longer than the 2 s window to reach the disk";
    // One more answer, then SIGKILL at once: at most this answer is lost.
    EXPECT_EQ(c.Ask(MessageFrame("no", 3))["state"], "q3");
    server.Kill9();
    c.Drop();
  }
  ServerProcess server(state);
  ASSERT_NE(server.port(), 0) << server.Log();
  EXPECT_EQ(LogEvents(server.Log(), "start").at(0).value("restored_conversations", 0), 1);
  WsClient d;
  ASSERT_TRUE(d.Connect(server.port()));
  d.Send({{"type", "resume"}, {"token", token}});
  json session = d.Expect("session");
  EXPECT_EQ(session["resumed"], true);
  json turn = d.Expect("bot");
  std::string at = turn.value("state", "");
  // q2 when the kill beat the next save (the answer to q2 is lost: inside
  // the window), q3 when the save came first. Never q1 or the start.
  EXPECT_TRUE(at == "q2" || at == "q3") << turn.dump();
  // The client retries its last message with its id: processed if it was
  // lost, answered with the same turn if it was saved. Either way: q3.
  EXPECT_EQ(d.Ask(MessageFrame("no", 3))["state"], "q3");
  EXPECT_EQ(d.Ask(MessageFrame("no", 4))["state"], "q4");
}

TEST(FaultKill, AfterTheWindowNothingIsLost) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  std::string token;
  {
    ServerProcess server(state, {"--save-interval", "300ms"});
    ASSERT_NE(server.port(), 0) << server.Log();
    WsClient c;
    ASSERT_TRUE(c.Connect(server.port())) << server.Log();
    token = Begin(c);
    c.Ask(MessageFrame("yes", 1));
    c.Ask(MessageFrame("no", 2));
    EXPECT_EQ(c.Ask(MessageFrame("no", 3))["state"], "q3");
    // Wait past the window (one interval plus slack), then kill.
    std::this_thread::sleep_for(300ms + 500ms);
    server.Kill9();
  }
  ServerProcess server(state, {"--save-interval", "300ms"});
  ASSERT_NE(server.port(), 0) << server.Log();
  WsClient d;
  ASSERT_TRUE(d.Connect(server.port()));
  d.Send({{"type", "resume"}, {"token", token}});
  d.Expect("session");
  EXPECT_EQ(d.Expect("bot")["state"], "q3");
}

TEST(FaultKill, AcknowledgedEscalationsAreOnDiskAndDeliveredAfterTheRestart) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  Webhook hook(Webhook::Mode::kDown);  // the receiver is down while the server runs
  std::vector<std::string> hook_args = {"--webhook-url", hook.url(), "--webhook-backoff", "50ms",
                                        "--webhook-backoff-max", "200ms", "--webhook-timeout", "1s"};
  int acknowledged = 0;
  {
    ServerProcess server(state, hook_args);
    ASSERT_NE(server.port(), 0) << server.Log();
    for (int i = 0; i < 3; ++i) {
      WsClient c;
      ASSERT_TRUE(c.Connect(server.port())) << server.Log();
      Begin(c);
      c.Ask(MessageFrame("yes"));
      json bot = c.Ask(MessageFrame("I want to kill myself"));
      if (bot.contains("crisis")) ++acknowledged;
    }
    server.Kill9();  // right after the last crisis reply reached the client
  }
  ASSERT_EQ(acknowledged, 3);
  EscalationLog log = ReadEscalations(state + "/escalations.jsonl");
  ASSERT_EQ(log.events.size(), 3u) << "every acknowledged escalation is on disk";
  EXPECT_TRUE(log.delivered.empty());

  hook.set_mode(Webhook::Mode::kOk);
  {
    ServerProcess server(state, hook_args);
    ASSERT_NE(server.port(), 0) << server.Log();
    ASSERT_TRUE(WaitFor([&] { return hook.accepted().size() >= 3; }, 10s)) << server.Log();
    std::vector<std::string> expected;
    for (const json& e : log.events) expected.push_back(e["id"]);
    EXPECT_EQ(hook.accepted(), expected) << "delivered in log order";
    EXPECT_TRUE(WaitFor([&] { return ReadEscalations(state + "/escalations.jsonl").delivered.size() == 3; }, 5s));
    EXPECT_EQ(server.Term(), 0);
  }
  // Delivered marks are durable: a third start sends nothing again.
  ServerProcess server(state, hook_args);
  ASSERT_NE(server.port(), 0) << server.Log();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(hook.accepted().size(), 3u);
  EXPECT_TRUE(LogEvents(server.Log(), "webhook_redeliver").empty());
}

}  // namespace
}  // namespace screener::server::testing
