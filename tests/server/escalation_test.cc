// Escalation events: in the JSONL log (without message text) before the
// crisis reply, and POSTed to a webhook with retries until it takes them.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

// A tiny webhook receiver: answers 500 to the first `failures` requests,
// then 200; keeps the bodies.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Loop(); });
  }
  ~Receiver() {
    stop_ = true;
    beast::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  int requests() const { return requests_; }
  // From now on, answer 500 to the requests numbered up to `failures` only.
  void set_failures(int failures) { failures_ = failures; }
  bool WaitForBodies(size_t n, std::chrono::milliseconds timeout = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (bodies().size() >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  void Loop() {
    while (!stop_) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      int n = ++requests_;
      const bool fail = n <= failures_;
      http::response<http::string_body> res{fail ? http::status::internal_server_error : http::status::ok, 11};
      res.keep_alive(false);
      res.body() = "x";
      res.prepare_payload();
      if (!fail) {
        EXPECT_EQ(req.method(), http::verb::post);
        EXPECT_EQ(req.target(), "/hook");
        EXPECT_EQ(req[http::field::content_type], "application/json");
        std::lock_guard lock(mu_);
        bodies_.push_back(req.body());
      }
      http::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  std::atomic<int> failures_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

std::vector<json> LogLines(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

void CrisisConversation(uint16_t port, const std::string& sentence) {
  WsClient c;
  ASSERT_TRUE(c.Connect(port));
  c.Send({{"type", "start"}, {"script", "emotional-numbness"}, {"region", "US"}});
  c.Expect("session");
  c.Expect("bot");
  c.Ask({{"type", "message"}, {"text", "yes"}});
  json bot = c.Ask({{"type", "message"}, {"text", sentence}});
  EXPECT_TRUE(bot.contains("crisis"));
  c.Close();
}

TEST(ServerEscalation, EventIsLoggedWithoutTextBeforeTheReply) {
  TempDir dir;
  TestServer s(dir.path());
  CrisisConversation(s.port(), "frobozz I want to kill myself");
  // The reply came after the fsync: the line is there now.
  auto lines = LogLines(dir.path() + "/escalations.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  const json& e = lines[0];
  for (const char* field : {"id", "time", "session", "script", "state", "categories", "region"}) {
    EXPECT_TRUE(e.contains(field)) << field;
  }
  EXPECT_EQ(e["script"], "emotional-numbness");
  EXPECT_EQ(e["region"], "US");
  EXPECT_FALSE(e["state"].get<std::string>().empty());
  EXPECT_NE(std::find(e["categories"].begin(), e["categories"].end(), "suicide"), e["categories"].end());
  EXPECT_FALSE(e.contains("text"));
  EXPECT_EQ(ReadFile(dir.path() + "/escalations.jsonl").find("frobozz"), std::string::npos);
}

TEST(ServerEscalation, TextOnlyWhenTheOperatorAsks) {
  TempDir dir;
  ServerOptions o;
  o.escalation_include_text = true;
  TestServer s(dir.path(), o);
  CrisisConversation(s.port(), "frobozz I want to kill myself");
  auto lines = LogLines(dir.path() + "/escalations.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["text"], "frobozz I want to kill myself");
}

TEST(ServerEscalation, WebhookRetriesAfter500AndMarksDelivered) {
  TempDir dir;
  Receiver receiver(/*failures=*/1);
  ServerOptions o;
  o.webhook_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  o.webhook_backoff = 50ms;
  TestServer s(dir.path(), o);
  CrisisConversation(s.port(), "I want to kill myself");
  ASSERT_TRUE(receiver.WaitForBodies(1));
  EXPECT_EQ(receiver.requests(), 2);
  json posted = json::parse(receiver.bodies()[0]);
  EXPECT_EQ(posted["script"], "emotional-numbness");
  EXPECT_FALSE(posted.contains("text"));
  // The delivered mark follows in the log.
  auto deadline = std::chrono::steady_clock::now() + 3s;
  std::vector<json> lines;
  while (std::chrono::steady_clock::now() < deadline) {
    lines = LogLines(dir.path() + "/escalations.jsonl");
    if (lines.size() == 2) break;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["delivered"], posted["id"]);
  EXPECT_EQ(s.server->metrics().webhook_delivered.load(), 1u);
  EXPECT_GE(s.server->metrics().webhook_failures.load(), 1u);
}

TEST(ServerEscalation, UndeliveredEventsAreSentAfterARestart) {
  TempDir dir;
  std::string id;
  {
    ServerOptions o;
    o.webhook_url = "http://127.0.0.1:1/hook";  // nobody listens
    o.webhook_backoff = 50ms;
    TestServer s(dir.path(), o);
    CrisisConversation(s.port(), "I want to kill myself");
    auto lines = LogLines(dir.path() + "/escalations.jsonl");
    ASSERT_EQ(lines.size(), 1u);
    id = lines[0]["id"];
  }
  Receiver receiver(0);
  ServerOptions o;
  o.webhook_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  TestServer s(dir.path(), o);
  ASSERT_TRUE(receiver.WaitForBodies(1));
  EXPECT_EQ(json::parse(receiver.bodies()[0])["id"], id);
}

std::vector<std::string> EventIdsInLog(const std::string& path) {
  std::vector<std::string> ids;
  for (const json& line : LogLines(path)) {
    if (line.contains("id")) ids.push_back(line["id"]);
  }
  return ids;
}

std::vector<std::string> PostedIds(Receiver& receiver) {
  std::vector<std::string> ids;
  for (const std::string& body : receiver.bodies()) ids.push_back(json::parse(body)["id"]);
  return ids;
}

template <class Predicate>
bool Eventually(Predicate p, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

TEST(ServerEscalation, ALongWebhookOutageWaitsInTheLogNotInMemory) {
  TempDir dir;
  Receiver receiver(/*failures=*/1'000'000);
  ServerOptions o;
  o.webhook_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  o.webhook_backoff = 20ms;
  o.webhook_backoff_max = 50ms;
  o.webhook_queue = 2;
  TestServer s(dir.path(), o);
  const Metrics& m = s.server->metrics();
  for (int i = 0; i < 6; ++i) CrisisConversation(s.port(), "I want to kill myself");
  ASSERT_TRUE(Eventually([&] { return m.webhook_pending.load() == 6; })) << m.webhook_pending.load();
  EXPECT_EQ(m.webhook_in_memory.load(), 2);  // the other four wait in the log
  EXPECT_GE(receiver.requests(), 1);         // and the webhook was being tried meanwhile

  receiver.set_failures(0);
  ASSERT_TRUE(receiver.WaitForBodies(6));
  // Every event once, in the order of the log.
  EXPECT_EQ(PostedIds(receiver), EventIdsInLog(dir.path() + "/escalations.jsonl"));
  EXPECT_TRUE(Eventually([&] { return m.webhook_pending.load() == 0 && m.webhook_in_memory.load() == 0; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(receiver.bodies().size(), 6u);  // nothing sent twice
}

TEST(ServerEscalation, ABacklogFromBeforeARestartIsReadBackInBoundedSteps) {
  TempDir dir;
  {
    ServerOptions o;
    o.webhook_url = "http://127.0.0.1:1/hook";  // nobody listens
    TestServer s(dir.path(), o);
    for (int i = 0; i < 5; ++i) CrisisConversation(s.port(), "I want to kill myself");
  }
  Receiver receiver(0);
  ServerOptions o;
  o.webhook_url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook";
  o.webhook_queue = 2;
  TestServer s(dir.path(), o);
  ASSERT_TRUE(receiver.WaitForBodies(5));
  EXPECT_EQ(PostedIds(receiver), EventIdsInLog(dir.path() + "/escalations.jsonl"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(receiver.bodies().size(), 5u);
}

}  // namespace
}  // namespace screener::server::testing
