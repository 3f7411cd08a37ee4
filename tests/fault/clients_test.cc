// Badly behaved clients against a real server process: connections that
// vanish mid-conversation (no close frame), half-open ones that go silent
// (only the idle timeout can end them), TCP connections that never send a
// request, slow readers, and clients reconnecting in a tight loop. Memory
// stays bounded (VmRSS of the server process), nothing stays stuck (open
// connections and live conversations fall back once the timeouts pass), and
// another person's conversation keeps answering promptly throughout.
#include <gtest/gtest.h>

#include "tests/fault/fault_support.h"

namespace screener::server::testing {
namespace {

// Connections the test keeps open and silent, for the server's timeouts to end.
struct Silent {
  net::io_context ioc;
  std::vector<std::unique_ptr<WsClient>> upgraded;
  std::vector<tcp::socket> raw;
};

// One round of abuse: `cycles` connections, each doing one of the bad things.
// (Slow readers: tests/server, ServerLimits.ASlowReaderIsCutOffAndOthersDoNotNotice.)
void Churn(uint16_t port, int cycles, Silent& silent) {
  for (int i = 0; i < cycles; ++i) {
    switch (i % 5) {
      case 0:
      case 1: {  // vanish mid-conversation: start, answer, drop without a close
        WsClient c;
        if (!c.Connect(port)) break;
        c.Send(kStartFrame);
        c.Read();
        c.Read();
        c.Send(MessageFrame("yes"));
        c.Read();
        c.Drop();
        break;
      }
      case 2: {  // reconnect at once and give up again, without reading
        WsClient c;
        if (!c.Connect(port)) break;
        c.Send(kStartFrame);
        c.Drop();
        break;
      }
      case 3: {  // half-open: upgraded, then silent and never closed by us
        if (i % 25 != 3) break;
        silent.upgraded.push_back(std::make_unique<WsClient>());
        silent.upgraded.back()->Connect(port);
        break;
      }
      case 4: {  // TCP only, no HTTP request at all
        net::io_context ioc;
        tcp::socket s(ioc);
        beast::error_code ec;
        s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
        if (i % 25 == 4) {  // kept open: only the handshake timeout ends it
          silent.raw.emplace_back(silent.ioc);
          silent.raw.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
        }
        break;
      }
    }
  }
}

TEST(FaultClients, ChurnKeepsMemoryBoundedLeavesNothingStuckAndDoesNotSlowOthers) {
  TempDir dir;
  ServerProcess server(dir.path() + "/state",
                       {"--idle-timeout", "1s", "--handshake-timeout", "1s", "--resume-window", "1s",
                        "--save-interval", "200ms"});
  uint16_t port = server.port();
  ASSERT_NE(port, 0) << server.Log();

  // The bystander: a person mid-conversation, pinging while the churn runs.
  std::atomic<bool> done{false};
  std::atomic<int64_t> worst_us{0};
  std::atomic<int> answered{0};
  std::thread bystander([&] {
    WsClient c;
    if (!c.Connect(port)) return;
    Begin(c);
    c.Ask(MessageFrame("yes"));
    while (!done) {
      auto t = std::chrono::steady_clock::now();
      if (c.Ask({{"type", "ping"}}, "pong").value("type", "") != "pong") break;
      int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
      if (us > worst_us) worst_us = us;
      ++answered;
      std::this_thread::sleep_for(200ms);  // within the rate limit, and well inside the 1 s idle timeout
    }
  });

  Silent silent;
  auto settle = [&] {
    // Past the idle, handshake and resume windows: only the bystander is left.
    return WaitFor(
        [&] {
          return MetricOf(port, "screener_connections_open") == 1 &&
                 MetricOf(port, "screener_conversations_live") == 1;
        },
        10s);
  };
  Churn(port, 500, silent);  // warm-up: allocator arenas, buffers reach their working size
  ASSERT_TRUE(settle()) << HttpRequest(port, "/metrics").body;
  long warm = server.RssKiB();
  Churn(port, 1500, silent);
  ASSERT_TRUE(settle()) << "stuck connections or conversations\n" << HttpRequest(port, "/metrics").body;
  long after = server.RssKiB();
  done = true;
  bystander.join();

  // 1,500 more bad clients may not cost more than 8 MiB for good: a leak of
  // one conversation or connection (tens of KiB each) per cycle would.
  EXPECT_LT(after - warm, 8 * 1024) << "VmRSS " << warm << " KiB -> " << after << " KiB";
  EXPECT_GT(answered.load(), 5);
  EXPECT_LT(worst_us.load(), 500'000) << "the bystander waited " << worst_us << " us for a pong";
  std::string metrics = HttpRequest(port, "/metrics").body;
  EXPECT_GE(Metric(metrics, "screener_conversations_expired_total"), 1000);
  EXPECT_TRUE(server.running());
  std::cout << "[ figures  ] VmRSS after warm-up " << warm << " KiB, after 1500 more bad clients " << after
            << " KiB; bystander worst pong " << worst_us / 1000.0 << " ms over " << answered << " pings\n";
}

}  // namespace
}  // namespace screener::server::testing
