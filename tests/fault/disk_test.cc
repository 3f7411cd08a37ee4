// The state dir fails under a running server: the disk fills up (a small
// tmpfs, in a private mount namespace so nothing leaks to the host), or the
// sessions directory becomes an invalid path (replaced by a file: this one
// works without privileges and as root, where chmod blocks nothing). The
// server must keep chatting (replies on time, crisis replies too), say
// not-ready on /readyz, log the failure once per save interval and not per
// message, and recover by itself when the fault goes away.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/fault/fault_support.h"

namespace screener::server::testing {
namespace {

namespace fs = std::filesystem;
constexpr auto kInterval = 200ms;

struct Fault {
  std::function<void()> inflict;
  std::function<void()> heal;
};

// `sessions` is the sessions directory as this process sees it.
void ChatThroughAStoreFault(ServerProcess& server, const std::string& sessions, const Fault& fault) {
  uint16_t port = server.port();
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<WsClient>());
    ASSERT_TRUE(clients.back()->Connect(port));
    Begin(*clients.back());
    EXPECT_EQ(clients.back()->Ask(MessageFrame("yes", 1))["state"], "q1");
  }
  ASSERT_TRUE(WaitFor([&] { return Ready(port) == 200; }, 5s)) << server.Log();

  fault.inflict();
  auto start = std::chrono::steady_clock::now();
  size_t before = LogEvents(server.Log(), "store_save_failed").size();
  EXPECT_EQ(before, 0u);
  // Keep chatting for a while: every reply comes promptly.
  int frames = 0;
  auto worst = std::chrono::nanoseconds(0);
  for (int round = 0; round < 30; ++round) {
    for (size_t i = 0; i < clients.size(); ++i) {
      auto t = std::chrono::steady_clock::now();
      if (round == 0) {
        EXPECT_EQ(clients[i]->Ask(MessageFrame("no", 2))["state"], "q2");
      } else {
        clients[i]->Ask({{"type", "ping"}}, "pong");
      }
      worst = std::max(worst, std::chrono::steady_clock::now() - t);
      ++frames;
    }
    std::this_thread::sleep_for(30ms);
  }
  EXPECT_LT(worst, 1s) << "a reply was held up by the failing store";
  // New conversations start, and a crisis reply still reaches the person.
  WsClient newcomer;
  ASSERT_TRUE(newcomer.Connect(port));
  Begin(newcomer);
  newcomer.Ask(MessageFrame("yes", 1));
  EXPECT_TRUE(newcomer.Ask(MessageFrame("I want to kill myself", 2)).contains("crisis"));

  EXPECT_TRUE(WaitFor([&] { return Ready(port) == 503; }, 5s));
  EXPECT_EQ(HttpRequest(port, "/readyz").body, "state dir not writable\n");
  std::this_thread::sleep_for(3 * kInterval);
  auto elapsed = std::chrono::steady_clock::now() - start;
  std::vector<json> failures = LogEvents(server.Log(), "store_save_failed");
  ASSERT_FALSE(failures.empty()) << server.Log();
  // Once per interval, not once per message or per conversation.
  size_t allowed = static_cast<size_t>(elapsed / kInterval) + 2;
  EXPECT_LE(failures.size(), allowed) << "frames sent: " << frames;
  EXPECT_LT(failures.size(), static_cast<size_t>(frames));
  EXPECT_FALSE(failures.back().value("error", "").empty());
  EXPECT_EQ(Ready(port), 503);

  fault.heal();
  EXPECT_TRUE(WaitFor([&] { return Ready(port) == 200; }, 5s)) << server.Log();
  EXPECT_EQ(LogEvents(server.Log(), "store_recovered").size(), 1u);
  // What changed while the disk failed is saved now: four conversations, the
  // first three at their second answer.
  int at_two = 0;
  std::vector<json> records = SavedRecords(fs::path(sessions).parent_path().string());
  for (const json& r : records) at_two += r.value("last_answered", -1) == 2;
  EXPECT_EQ(records.size(), 4u);
  EXPECT_EQ(at_two, 4);  // the newcomer also answered twice
  for (auto& c : clients) EXPECT_EQ(c->Ask(MessageFrame("no", 3))["state"], "q3");
}

TEST(FaultDisk, SessionsDirBecomesAnInvalidPathAndComesBack) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  ServerProcess server(state, {"--save-interval", "200ms", "--rate", "1000", "--burst", "1000"});
  ASSERT_NE(server.port(), 0) << server.Log();
  std::string sessions = state + "/sessions";
  Fault fault{[&] {
                fs::rename(sessions, sessions + ".away");
                std::ofstream(sessions) << "not a directory";
              },
              [&] {
                fs::remove(sessions);
                fs::rename(sessions + ".away", sessions);
              }};
  ChatThroughAStoreFault(server, sessions, fault);
}

TEST(FaultDisk, FullDiskThenSpaceReturns) {
  TempDir dir;
  std::string state = dir.path() + "/state";
  fs::create_directories(state);
  // A 2 MiB tmpfs over the state dir, in the server's own mount namespace.
  ServerProcess server(state, {"--save-interval", "200ms", "--rate", "1000", "--burst", "1000"},
                       OnASmallTmpfs(state));
  if (server.port() == 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN); "
                    "FaultDisk.SessionsDirBecomesAnInvalidPathAndComesBack covers the same path. "
                 << server.Log();
  }
  // The tmpfs as the server sees it.
  std::string root = "/proc/" + std::to_string(server.pid()) + "/root" + state;
  ASSERT_TRUE(fs::exists(root + "/sessions")) << root;
  std::string filler = root + "/filler";
  Fault fault{[&] { FillUp(filler); }, [&] { fs::remove(filler); }};
  ChatThroughAStoreFault(server, root + "/sessions", fault);
}

}  // namespace
}  // namespace screener::server::testing
