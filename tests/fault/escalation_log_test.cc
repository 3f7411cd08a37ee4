// The escalation log cannot be written under a running server: a directory
// takes its path (no privileges needed, and it fails as root too), or the
// disk fills up (a small tmpfs, as in disk_test.cc). Crisis replies still go
// out at once; the events whose write failed are kept in order, counted in
// /metrics, keep /readyz at 503, and are written, before anything newer and
// with the ids they were given, as soon as the log takes writes again. The
// webhook gets every event exactly once, in order, across restarts.
#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/fault/fault_support.h"

namespace screener::server::testing {
namespace {

namespace fs = std::filesystem;
constexpr auto kInterval = 200ms;

std::vector<std::string> ServerArgs(const std::vector<std::string>& more = {}) {
  std::vector<std::string> args = {"--save-interval", "200ms", "--rate", "1000", "--burst", "1000"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::vector<std::string> WebhookArgs(const Webhook& hook) {
  return {"--webhook-url", hook.url(), "--webhook-backoff", "50ms", "--webhook-backoff-max", "200ms",
          "--webhook-timeout", "1s"};
}

struct LogFault {
  std::function<void()> inflict;
  std::function<void()> heal;
};

// Swaps two paths in one step.
void Exchange(const std::string& a, const std::string& b) {
  ASSERT_EQ(::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE), 0) << std::strerror(errno);
}

// A directory takes the log's place, and the file comes back, each in one
// step: the server never finds the path free (it would start a new log).
LogFault PathBecomesADirectory(const std::string& log) {
  return {[log] {
            fs::create_directory(log + ".dir");
            Exchange(log, log + ".dir");
          },
          [log] {
            Exchange(log, log + ".dir");
            fs::remove(log + ".dir");
          }};
}

// The ids the server gave its events, in order (its "escalation" log lines).
std::vector<std::string> GivenIds(const ServerProcess& server) {
  std::vector<std::string> ids;
  for (const json& line : LogEvents(server.Log(), "escalation")) ids.push_back(line.value("event_id", ""));
  return ids;
}

std::vector<std::string> Ids(const std::vector<json>& events) {
  std::vector<std::string> ids;
  for (const json& e : events) ids.push_back(e.value("id", ""));
  return ids;
}

// Every line of the log, in order: "e:<id>" for an event, "d:<id>" for a
// delivered mark; a line that does not parse fails the test.
std::vector<std::string> LogSequence(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "a torn line: " << line;
    if (!j.is_object()) continue;
    if (j.contains("delivered")) out.push_back("d:" + j["delivered"].get<std::string>());
    if (j.contains("id")) out.push_back("e:" + j["id"].get<std::string>());
  }
  return out;
}

// e1 before the fault, e2 and e3 during it, e4 after it.
void EscalationsThroughALogFault(ServerProcess& server, const std::string& log_path, const LogFault& fault,
                                 const std::string& not_ready_because) {
  uint16_t port = server.port();
  ASSERT_TRUE(WaitFor([&] { return Ready(port) == 200; }, 5s)) << server.Log();
  Crisis(port);
  ASSERT_EQ(ReadEscalations(log_path).events.size(), 1u);

  fault.inflict();
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2; ++i) {
    auto t = std::chrono::steady_clock::now();
    Crisis(port);
    EXPECT_LT(std::chrono::steady_clock::now() - t, 1s) << "a crisis reply waited for the disk";
  }
  EXPECT_EQ(MetricOf(port, "screener_escalations_unwritten"), 2);
  EXPECT_TRUE(WaitFor([&] { return HttpRequest(port, "/readyz").body == not_ready_because + "\n"; }, 5s));
  EXPECT_EQ(Ready(port), 503);
  // Retried every interval and still failing: kept, and logged at most once
  // per interval, not per attempt or per event.
  std::this_thread::sleep_for(4 * kInterval);
  EXPECT_EQ(MetricOf(port, "screener_escalations_unwritten"), 2);
  EXPECT_EQ(MetricOf(port, "screener_escalations_total"), 1);
  std::vector<json> failures = LogEvents(server.Log(), "escalation_log_write_failed");
  ASSERT_FALSE(failures.empty()) << server.Log();
  EXPECT_LE(failures.size(), static_cast<size_t>((std::chrono::steady_clock::now() - start) / kInterval) + 1);
  EXPECT_FALSE(failures.back().value("error", "").empty());

  fault.heal();
  ASSERT_TRUE(WaitFor([&] { return MetricOf(port, "screener_escalations_unwritten") == 0; }, 5s)) << server.Log();
  EXPECT_TRUE(WaitFor([&] { return Ready(port) == 200; }, 5s)) << HttpRequest(port, "/readyz").body;
  Crisis(port);

  std::vector<std::string> given = GivenIds(server);
  ASSERT_EQ(given.size(), 4u);
  EXPECT_EQ(Ids(ReadEscalations(log_path).events), given) << "every event, once, in the order given";
  std::vector<std::string> sequence = LogSequence(log_path);
  EXPECT_EQ(std::count_if(sequence.begin(), sequence.end(), [](const std::string& s) { return s[0] == 'e'; }), 4);
  EXPECT_EQ(MetricOf(port, "screener_escalations_total"), 4);
  EXPECT_EQ(MetricOf(port, "screener_escalations_dropped_total"), 0);
  std::vector<json> recovered = LogEvents(server.Log(), "escalation_log_recovered");
  ASSERT_EQ(recovered.size(), 1u) << server.Log();
  EXPECT_EQ(recovered[0].value("events", 0), 2);
  EXPECT_EQ(server.Log().find("kill myself"), std::string::npos);
}

TEST(FaultDisk, EscalationsWaitWhileTheLogPathIsUnusableThenAreWrittenInOrderAndDeliveredOnce) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  std::string log = state + "/escalations.jsonl";
  Webhook hook(Webhook::Mode::kDown);  // nothing is delivered before the restart
  std::vector<std::string> ids;
  {
    ServerProcess server(state, ServerArgs(WebhookArgs(hook)));
    ASSERT_NE(server.port(), 0) << server.Log();
    EscalationsThroughALogFault(server, log, PathBecomesADirectory(log), "escalations not written");
    ids = GivenIds(server);
    server.Kill9();
  }
  ASSERT_EQ(ids.size(), 4u);
  hook.set_mode(Webhook::Mode::kOk);
  {
    ServerProcess server(state, ServerArgs(WebhookArgs(hook)));
    ASSERT_NE(server.port(), 0) << server.Log();
    ASSERT_TRUE(WaitFor([&] { return hook.accepted().size() >= 4; }, 10s)) << server.Log();
    EXPECT_TRUE(WaitFor([&] { return ReadEscalations(log).delivered.size() == 4; }, 5s));
    EXPECT_EQ(server.Term(), 0);
  }
  ServerProcess server(state, ServerArgs(WebhookArgs(hook)));
  ASSERT_NE(server.port(), 0) << server.Log();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(hook.accepted(), ids) << "each event exactly once, in order";
  EXPECT_TRUE(LogEvents(server.Log(), "webhook_redeliver").empty());
}

TEST(FaultDisk, WebhookDeliveryGoesOnWhileTheEscalationLogCannotBeWritten) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  std::string log = state + "/escalations.jsonl";
  Webhook hook(Webhook::Mode::kOk);
  LogFault fault = PathBecomesADirectory(log);
  {
    ServerProcess server(state, ServerArgs(WebhookArgs(hook)));
    uint16_t port = server.port();
    ASSERT_NE(port, 0) << server.Log();
    Crisis(port);
    ASSERT_TRUE(WaitFor([&] { return ReadEscalations(log).delivered.size() == 1; }, 5s)) << server.Log();

    fault.inflict();
    Crisis(port);
    // Sent from memory while its line (and then its delivered mark) waits.
    ASSERT_TRUE(WaitFor([&] { return hook.accepted().size() == 2; }, 5s)) << server.Log();
    EXPECT_EQ(MetricOf(port, "screener_escalations_unwritten"), 1);
    EXPECT_EQ(Ready(port), 503);

    fault.heal();
    ASSERT_TRUE(WaitFor([&] { return Ready(port) == 200; }, 5s)) << server.Log();
    EXPECT_EQ(MetricOf(port, "screener_escalations_unwritten"), 0);
    std::vector<std::string> ids = GivenIds(server);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(hook.accepted(), ids);
    // Each event before its mark, in the order they happened.
    EXPECT_EQ(LogSequence(log), (std::vector<std::string>{"e:" + ids[0], "d:" + ids[0], "e:" + ids[1], "d:" + ids[1]}));
    EXPECT_EQ(server.Term(), 0);
  }
  // The marks written after the fault hold: nothing is sent again.
  ServerProcess server(state, ServerArgs(WebhookArgs(hook)));
  ASSERT_NE(server.port(), 0) << server.Log();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(hook.accepted().size(), 2u);
  EXPECT_TRUE(LogEvents(server.Log(), "webhook_redeliver").empty());
}

// Appends a line of padding (neither an event nor a mark: readers skip it)
// so the file ends `short_of` bytes before a page boundary. tmpfs hands out
// whole pages: the next event then starts in the page the log already has
// and needs a new one halfway, so the write fails after part of the line
// (the server must cut that part off again).
void EndShortOfAPage(const std::string& path, size_t short_of) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t size = fs::file_size(path);
  const std::string empty = "{\"pad\":\"\"}\n";
  size_t want = (page - short_of + page - size % page) % page;
  if (want < empty.size()) want += page;
  std::ofstream(path, std::ios::app | std::ios::binary)
      << "{\"pad\":\"" << std::string(want - empty.size(), 'x') << "\"}\n";
  ASSERT_EQ(fs::file_size(path) % page, page - short_of);
}

TEST(FaultDisk, EscalationsDuringAFullDiskAreWrittenWhenSpaceReturns) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  fs::create_directories(state);
  ServerProcess server(state, ServerArgs(), OnASmallTmpfs(state));
  if (server.port() == 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN); "
                    "FaultDisk.EscalationsWaitWhileTheLogPathIsUnusableThenAreWrittenInOrderAndDeliveredOnce "
                    "covers the same path. "
                 << server.Log();
  }
  // The tmpfs as the server sees it.
  std::string root = "/proc/" + std::to_string(server.pid()) + "/root" + state;
  std::string log = root + "/escalations.jsonl";
  LogFault fault{[&] {
                   EndShortOfAPage(log, 50);
                   FillUp(root + "/filler");
                 },
                 [&] { fs::remove(root + "/filler"); }};
  // The sessions fail too, and /readyz names them first.
  EscalationsThroughALogFault(server, log, fault, "state dir not writable");
}

}  // namespace
}  // namespace screener::server::testing
