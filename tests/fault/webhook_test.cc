// The webhook receiver down (connection refused), answering 500, and too
// slow (past --webhook-timeout), then healthy: events wait in the log on
// disk, are retried with growing delays, and arrive in order with ids, so a
// receiver that drops duplicates by id sees each event exactly once.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "tests/fault/fault_support.h"

namespace screener::server::testing {
namespace {

TEST(FaultWebhook, DownThen500ThenSlowThenHealthyDeliversEveryEventInOrder) {
  TempDir dir;
  Webhook hook(Webhook::Mode::kDown, 800ms);
  ServerOptions o;
  o.webhook_url = hook.url();
  o.webhook_timeout = 300ms;
  o.webhook_backoff = 40ms;
  o.webhook_backoff_max = 160ms;
  TestServer s(dir.path(), o);
  for (int i = 0; i < 4; ++i) Crisis(s.port());
  Metrics& m = s.server->metrics();

  // Down: attempts fail, the events stay queued (and on disk, undelivered).
  ASSERT_TRUE(WaitFor([&] { return m.webhook_failures.load() >= 3; }, 5s));
  EXPECT_EQ(m.webhook_pending.load(), 4);
  EscalationLog log = ReadEscalations(dir.path() + "/escalations.jsonl");
  ASSERT_EQ(log.events.size(), 4u);
  EXPECT_TRUE(log.delivered.empty());

  // 500: the receiver sees the first event again and again, with backoff.
  hook.set_mode(Webhook::Mode::kError500);
  ASSERT_TRUE(WaitFor([&] { return hook.attempts() >= 4; }, 5s));
  auto times = hook.attempt_times();
  ASSERT_GE(times.size(), 4u);
  // The delay doubles from 40 ms up to its cap, 160 ms: never a busy loop.
  for (size_t i = 1; i < times.size(); ++i) EXPECT_GE(times[i] - times[i - 1], 30ms);
  EXPECT_EQ(m.webhook_delivered.load(), 0u);

  // Slow: the receiver gets the body but answers after the timeout; the
  // server counts that as a failure and sends the event again later.
  int before = hook.attempts();
  hook.set_mode(Webhook::Mode::kSlow);
  ASSERT_TRUE(WaitFor([&] { return hook.attempts() >= before + 1; }, 5s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(m.webhook_delivered.load(), 0u);

  hook.set_mode(Webhook::Mode::kOk);
  ASSERT_TRUE(WaitFor([&] { return m.webhook_delivered.load() == 4; }, 10s)) << s.capture.text();
  EXPECT_EQ(m.webhook_pending.load(), 0);

  std::vector<std::string> expected;
  for (const json& e : log.events) expected.push_back(e["id"]);
  // The receiver may have accepted an event twice (a request that waited in
  // its backlog past the server's timeout, then got a 200): at least once,
  // with the id that lets it drop the copy. In order after de-duplication.
  std::vector<std::string> accepted;
  for (const std::string& id : hook.accepted()) {
    if (std::find(accepted.begin(), accepted.end(), id) == accepted.end()) accepted.push_back(id);
  }
  EXPECT_EQ(accepted, expected);
  // Everything the receiver ever saw, de-duplicated by id, is the same list
  // in the same order: duplicates (from the 500s and the timeout) carry the
  // id that lets a receiver drop them.
  std::vector<std::string> seen;
  std::set<std::string> ids;
  for (const json& e : hook.received()) {
    ASSERT_TRUE(e.is_object() && e.contains("id")) << e.dump();
    if (ids.insert(e["id"].get<std::string>()).second) seen.push_back(e["id"]);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_GT(hook.received().size(), 4u) << "the failures did reach the receiver";
  ASSERT_TRUE(WaitFor([&] { return ReadEscalations(dir.path() + "/escalations.jsonl").delivered.size() == 4; }, 5s));
  EXPECT_EQ(ReadEscalations(dir.path() + "/escalations.jsonl").delivered, expected);
  // Failures are logged once per attempt (at the backoff rate), never with text.
  EXPECT_FALSE(LogEvents(s.capture.text(), "webhook_failed").empty());
  EXPECT_EQ(s.capture.text().find("kill myself"), std::string::npos);
}

}  // namespace
}  // namespace screener::server::testing
