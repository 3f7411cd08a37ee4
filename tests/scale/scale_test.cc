// Scale-out tests (docs/deploy.md): real redis-server and nginx from Debian's
// packages on free loopback ports, real screener-server processes (so one
// can be killed with SIGKILL) with --store redis://. Every wait is bounded.
// Skipped with a message only when redis-server or nginx is not installed
// (tools/install-deps installs both for ./dev test).
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

namespace fs = std::filesystem;

const json kStart = {{"type", "start"}, {"script", "emotional-numbness"}, {"locale", "en"}, {"region", "US"}};

json Message(const std::string& text, int id) { return {{"type", "message"}, {"text", text}, {"id", id}}; }

std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

uint16_t FreePort() {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

bool PortOpen(uint16_t port) {
  net::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}

template <class F>
bool WaitFor(F&& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

// A child process with stdout and stderr in a file.
class Child {
 public:
  Child(std::vector<std::string> args, const std::string& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Child() { Stop(); }
  void Signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // SIGTERM, then SIGKILL after 5 s.
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    KillNine();
  }
  void KillNine() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string log() const { return ReadFile(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

class RedisServer {
 public:
  RedisServer(const std::string& dir, bool persistent) : dir_(dir), persistent_(persistent), port_(FreePort()) {
    fs::create_directories(dir);
    Start();
  }
  void Start() {
    std::vector<std::string> args = {Which("redis-server"), "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--dir", dir_, "--save", "", "--daemonize", "no"};
    if (persistent_) {
      args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    } else {
      args.insert(args.end(), {"--appendonly", "no"});
    }
    child_ = std::make_unique<Child>(args, dir_ + "/redis.log");
    EXPECT_TRUE(WaitFor([&] { return Ping(); }, 10s)) << child_->log();
  }
  void Stop() { child_.reset(); }
  bool Ping() {
    auto r = Command({"PING"});
    return r == "PONG";
  }
  // A command's reply as text (integers too); "" for nil or failure.
  std::string Command(const std::vector<std::string>& args) {
    timeval tv{1, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (!c || c->err) {
      if (c) redisFree(c);
      return "";
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
    std::string out;
    if (r) {
      if (r->type == REDIS_REPLY_INTEGER) out = std::to_string(r->integer);
      else if (r->str) out.assign(r->str, r->len);
      freeReplyObject(r);
    }
    redisFree(c);
    return out;
  }
  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

 private:
  std::string dir_;
  bool persistent_;
  uint16_t port_;
  std::unique_ptr<Child> child_;
};

// One screener-server process.
class Instance {
 public:
  Instance(const std::string& dir, const std::string& store, std::vector<std::string> extra = {}) : dir_(dir) {
    fs::create_directories(dir + "/state");
    std::vector<std::string> args = {std::string(SCREENER_BINARY_DIR) + "/screener-server",
                                     "--port", "0", "--threads", "2", "--scripts", "scripts", "--web", "web",
                                     "--state-dir", dir + "/state", "--store", store, "--store-timeout", "1s"};
    args.insert(args.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(args, dir + "/server.log");
    std::regex start(R"re("event":"start".*"port":([0-9]+))re");
    bool started = WaitFor(
        [&] {
          std::smatch m;
          std::string log = child_->log();
          if (!std::regex_search(log, m, start)) return false;
          port_ = static_cast<uint16_t>(std::stoi(m[1]));
          return true;
        },
        30s);
    EXPECT_TRUE(started) << child_->log();
  }
  uint16_t port() const { return port_; }
  void KillNine() { child_->KillNine(); }
  void Stop() { child_->Stop(); }
  std::string log() const { return child_->log(); }
  double Metric(const std::string& sample) const {
    return testing::Metric(HttpRequest(port_, "/metrics").body, sample);
  }

 private:
  std::string dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Child> child_;
};

// nginx in front of the instances: the /ws and health locations of
// deploy/nginx/screener.conf, on a free port.
class Nginx {
 public:
  Nginx(const std::string& dir, const std::vector<uint16_t>& upstreams) : port_(FreePort()) {
    fs::create_directories(dir + "/logs");
    std::string servers;
    for (uint16_t p : upstreams) servers += "    server 127.0.0.1:" + std::to_string(p) + " max_fails=1 fail_timeout=5s;\n";
    std::ofstream conf(dir + "/nginx.conf");
    if (::geteuid() == 0) conf << "user root;\n";
    conf << "worker_processes 1;\npid " << dir << "/nginx.pid;\nerror_log " << dir << "/logs/error.log;\n"
         << "events { worker_connections 1024; }\nhttp {\n  access_log off;\n"
         << "  client_body_temp_path " << dir << "/body;\n  proxy_temp_path " << dir << "/proxy;\n"
         << "  fastcgi_temp_path " << dir << "/fastcgi;\n  uwsgi_temp_path " << dir << "/uwsgi;\n"
         << "  scgi_temp_path " << dir << "/scgi;\n"
         << "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
         << "  upstream screener {\n" << servers << "  }\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
         << "    location = /ws {\n      proxy_pass http://screener;\n      proxy_http_version 1.1;\n"
         << "      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection $connection_upgrade;\n"
         << "      proxy_set_header Host $http_host;\n      proxy_read_timeout 600s;\n"
         << "      proxy_next_upstream error timeout;\n    }\n"
         << "    location / {\n      proxy_pass http://screener;\n      proxy_http_version 1.1;\n"
         << "      proxy_set_header Host $http_host;\n      proxy_set_header Connection \"\";\n    }\n"
         << "  }\n}\n";
    conf.close();
    child_ = std::make_unique<Child>(std::vector<std::string>{Which("nginx"), "-p", dir, "-c", dir + "/nginx.conf",
                                                              "-e", dir + "/logs/error.log", "-g", "daemon off;"},
                                     dir + "/nginx.out");
    EXPECT_TRUE(WaitFor([&] { return PortOpen(port_); }, 10s)) << child_->log() << ReadFile(dir + "/logs/error.log");
  }
  uint16_t port() const { return port_; }

 private:
  uint16_t port_;
  std::unique_ptr<Child> child_;
};

// A webhook receiver: /hold takes the request and never answers; anything
// else is recorded and answered 204.
class Receiver {
 public:
  Receiver() : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Receiver() {
    net::post(ioc_, [this] { ioc_.stop(); });
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  std::vector<json> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  int held() const { return held_.load(); }

 private:
  struct Conn {
    explicit Conn(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::empty_body> res;
  };
  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      auto c = std::make_shared<Conn>(std::move(s));
      http::async_read(c->stream, c->buffer, c->req, [this, c](beast::error_code ec, std::size_t) {
        if (ec) return;
        if (c->req.target() == "/hold") {
          held_++;
          held_conns_.push_back(c);  // never answered
          return;
        }
        {
          std::lock_guard lock(mu_);
          delivered_.push_back(json::parse(c->req.body(), nullptr, false));
        }
        c->res = http::response<http::empty_body>(http::status::no_content, 11);
        http::async_write(c->stream, c->res, [c](beast::error_code, std::size_t) {});
      });
      Accept();
    });
  }
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<json> delivered_;
  std::atomic<int> held_{0};
  std::vector<std::shared_ptr<Conn>> held_conns_;  // on ioc_ only
};

class ScaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Which("redis-server").empty() || Which("nginx").empty()) {
      GTEST_SKIP() << "redis-server or nginx is not installed (tools/install-deps --browser installs both): "
                      "scale tests skipped";
    }
  }
  std::string Sub(const std::string& name) { return dir.path() + "/" + name; }
  TempDir dir;
};

// Starts a conversation on `port`; returns the token.
std::string Start(WsClient& c, uint16_t port) {
  EXPECT_TRUE(c.Connect(port));
  c.Send(kStart);
  json session = c.Expect("session");
  EXPECT_EQ(c.Expect("bot")["state"], "intro");
  return session.value("token", "");
}

// Resumes `token` on `port`; returns the new token and the resumed bot frame.
std::pair<std::string, json> Resume(WsClient& c, uint16_t port, const std::string& token) {
  EXPECT_TRUE(c.Connect(port));
  c.Send({{"type", "resume"}, {"token", token}});
  json session = c.Expect("session");
  EXPECT_EQ(session["resumed"], true) << session.dump();
  json bot = c.Expect("bot");
  return {session.value("token", ""), bot};
}

TEST_F(ScaleTest, TurnsAlternateBetweenInstances) {
  RedisServer redis(Sub("redis"), false);
  Instance a(Sub("a"), redis.url());
  Instance b(Sub("b"), redis.url());
  std::vector<uint16_t> ports = {a.port(), b.port()};

  WsClient first;
  std::string token = Start(first, a.port());
  EXPECT_EQ(first.Ask(Message("yes", 1))["state"], "q1");
  first.Close();
  // Each answer on the other instance, resuming with the rotated token.
  const char* expected[] = {"q2", "q3", "q4"};
  for (int turn = 0; turn < 3; ++turn) {
    WsClient c;
    auto [next, resumed] = Resume(c, ports[(turn + 1) % 2], token);
    EXPECT_EQ(resumed["state"], turn == 0 ? "q1" : expected[turn - 1]);
    EXPECT_EQ(c.Ask(Message("no", turn + 2))["state"], expected[turn]);
    token = next;
    c.Close();
  }
  // The lock and the version check: a connection still open on A after the
  // conversation moved to B cannot advance it; it is closed with 1008.
  WsClient on_a;
  auto [token_a, resumed_a] = Resume(on_a, a.port(), token);
  EXPECT_EQ(resumed_a["state"], "q4");
  WsClient on_b;
  auto [token_b, resumed_b] = Resume(on_b, b.port(), token_a);
  EXPECT_EQ(resumed_b["state"], "q4");
  on_a.Send(Message("yes", 6));
  EXPECT_EQ(on_a.ReadClose(), 1008);
  json end = on_b.Ask(Message("no", 6));
  EXPECT_EQ(end["ended"], true) << end.dump();
  // The old token is gone everywhere.
  WsClient stale;
  ASSERT_TRUE(stale.Connect(a.port()));
  stale.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(stale.Expect("error")["code"], "session_expired");
}

TEST_F(ScaleTest, KillNineMidConversationResumesThroughNginxOnTheOther) {
  RedisServer redis(Sub("redis"), false);
  Instance a(Sub("a"), redis.url());
  Instance b(Sub("b"), redis.url());
  Nginx nginx(Sub("nginx"), {a.port(), b.port()});
  EXPECT_EQ(HttpRequest(nginx.port(), "/readyz").status, 200);
  EXPECT_EQ(HttpRequest(nginx.port(), "/healthz").body, "ok\n");

  WsClient c;
  // A browser page served by nginx: Origin is nginx's, and so is the Host
  // the server sees (proxy_set_header Host $http_host).
  ASSERT_TRUE(c.Connect(nginx.port(), "http://127.0.0.1:" + std::to_string(nginx.port())));
  c.Send(kStart);
  std::string token = c.Expect("session").value("token", "");
  c.Expect("bot");
  EXPECT_EQ(c.Ask(Message("yes", 1))["state"], "q1");
  json before = c.Ask(Message("no", 2));
  EXPECT_EQ(before["state"], "q2");

  bool on_a = a.Metric("screener_connections_open") == 1;
  ASSERT_TRUE(on_a || b.Metric("screener_connections_open") == 1);
  (on_a ? a : b).KillNine();
  Instance& survivor = on_a ? b : a;
  EXPECT_FALSE(c.Read(5s).has_value());  // the connection is gone

  WsClient again;
  auto [next, resumed] = Resume(again, nginx.port(), token);
  EXPECT_EQ(resumed["state"], "q2");
  EXPECT_EQ(resumed["messages"], before["messages"]);  // nothing lost
  EXPECT_EQ(again.Ask(Message("no", 3))["state"], "q3");
  EXPECT_EQ(survivor.Metric("screener_connections_open"), 1);
  EXPECT_EQ(survivor.Metric("screener_conversations_resumed_total"), 1);
}

TEST_F(ScaleTest, EscalationOfADeadInstanceIsDeliveredOnceByAnother) {
  RedisServer redis(Sub("redis"), false);
  Receiver receiver;
  // A's webhook takes the event and never answers: A has read it from the
  // stream and is stuck delivering it when it dies.
  Instance a(Sub("a"), redis.url(),
             {"--webhook-url", receiver.url("/hold"), "--webhook-timeout", "60s", "--escalation-claim-idle", "1s"});
  WsClient c;
  Start(c, a.port());
  c.Ask(Message("yes", 1));
  json crisis = c.Ask(Message("honestly I want to kill myself", 2));
  EXPECT_TRUE(crisis.contains("crisis")) << crisis.dump();
  ASSERT_TRUE(WaitFor([&] { return receiver.held() == 1; }, 10s)) << a.log();
  EXPECT_EQ(redis.Command({"XLEN", "screener:escalations"}), "1");
  a.KillNine();

  Instance b(Sub("b"), redis.url(), {"--webhook-url", receiver.url("/deliver"), "--escalation-claim-idle", "1s"});
  ASSERT_TRUE(WaitFor([&] { return receiver.delivered().size() == 1; }, 15s)) << b.log();
  std::this_thread::sleep_for(3s);  // several claim rounds: nothing is delivered twice
  std::vector<json> delivered = receiver.delivered();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]["script"], "emotional-numbness");
  EXPECT_FALSE(delivered[0].value("categories", json::array()).empty());
  EXPECT_EQ(receiver.held(), 1);
  EXPECT_NE(b.log().find("escalation_claimed"), std::string::npos);
  EXPECT_EQ(b.Metric("screener_webhook_delivered_total"), 1);
}

TEST_F(ScaleTest, RedisRestartMidRun) {
  RedisServer redis(Sub("redis"), true);  // append-only file: the data outlives the restart
  Instance a(Sub("a"), redis.url(), {"--log-level", "debug"});
  WsClient c;
  Start(c, a.port());
  EXPECT_EQ(c.Ask(Message("yes", 1))["state"], "q1");
  EXPECT_EQ(HttpRequest(a.port(), "/readyz").status, 200);

  redis.Stop();
  EXPECT_TRUE(WaitFor([&] { return HttpRequest(a.port(), "/readyz").status == 503; }, 10s));
  auto sent = std::chrono::steady_clock::now();
  json error = c.Ask(Message("no", 2), "error");
  EXPECT_EQ(error["code"], "unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - sent, 4s);  // bounded by --store-timeout, not a hang
  EXPECT_EQ(c.Ask({{"type", "ping"}}, "pong")["type"], "pong");  // the connection stays
  WsClient fresh;
  ASSERT_TRUE(fresh.Connect(a.port()));
  fresh.Send(kStart);
  EXPECT_EQ(fresh.Expect("error")["code"], "unavailable");

  redis.Start();
  EXPECT_TRUE(WaitFor([&] { return HttpRequest(a.port(), "/readyz").status == 200; }, 15s));
  // The same message again: nothing was advanced while Redis was away.
  EXPECT_EQ(c.Ask(Message("no", 2))["state"], "q2") << a.log();
  fresh.Send(kStart);
  EXPECT_EQ(fresh.Expect("session")["resumed"], false);
}

}  // namespace
}  // namespace screener::server::testing
