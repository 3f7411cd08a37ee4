// Helpers for the fault tests: the real screener-server binary as a child
// process (so it can be killed with SIGKILL and its memory read from
// /proc/PID/status), and a webhook receiver whose behaviour can be switched
// at run time (refusing connections, answering 500, too slow, healthy).
// Every wait is bounded: a broken server fails a test, it never hangs one.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/test_support.h"

namespace screener::server::testing {

// The log lines (JSON) of one event in a captured stderr.
inline std::vector<json> LogEvents(const std::string& text, const std::string& event) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.value("event", "") == event) out.push_back(std::move(j));
  }
  return out;
}

// screener-server as a child process on an ephemeral port.
class ServerProcess {
 public:
  // `prefix` (e.g. {"unshare", "-m", ...}) runs before the binary.
  ServerProcess(const std::string& state_dir, std::vector<std::string> extra = {},
                std::vector<std::string> prefix = {})
      : log_path_(state_dir + "." + std::to_string(++runs_) + ".log") {
    std::vector<std::string> args = std::move(prefix);
    args.push_back(std::string(SCREENER_BINARY_DIR) + "/screener-server");
    for (std::string a : {"--scripts", "scripts", "--web", "web", "--port", "0", "--threads", "2", "--state-dir"}) {
      args.push_back(a);
    }
    args.push_back(state_dir);
    args.insert(args.end(), extra.begin(), extra.end());
    std::ofstream(log_path_, std::ios::trunc) << "";  // exists before the child writes to it
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_path_.c_str(), O_WRONLY | O_APPEND);
      ::dup2(fd, 2);
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      // ASan's quarantine would hold freed memory and hide what RSS shows.
      std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
      asan += (asan.empty() ? "" : ":") + std::string("quarantine_size_mb=8");
      ::setenv("ASAN_OPTIONS", asan.c_str(), 1);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    // The "start" line carries the bound port. Loading the scripts takes a
    // moment, longer under the sanitizers.
    WaitFor(
        [&] {
          for (const json& j : LogEvents(Log(), "start")) port_ = j.value("port", 0);
          return port_ != 0 || Exited();
        },
        30s);
  }
  ~ServerProcess() {
    if (running()) Kill9();
  }

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && exit_status_ < 0; }
  std::string Log() const { return ReadFile(log_path_); }

  void Kill9() { Signal(SIGKILL); }
  // SIGTERM: the graceful stop; returns the exit status.
  int Term() { return Signal(SIGTERM); }

  // VmRSS in KiB, or -1.
  long RssKiB() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
  }

 private:
  bool Exited() {
    int status = 0;
    if (exit_status_ < 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) exit_status_ = status;
    return exit_status_ >= 0;
  }
  int Signal(int sig) {
    if (exit_status_ >= 0) return exit_status_;
    ::kill(pid_, sig);
    int status = 0;
    for (int i = 0; i < 1000 && ::waitpid(pid_, &status, WNOHANG) != pid_; ++i) {
      std::this_thread::sleep_for(10ms);
      if (i == 999) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
    exit_status_ = status;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  static inline int runs_ = 0;  // each process its own log file
  std::string log_path_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
  uint16_t port_ = 0;
};

// A webhook receiver on a fixed loopback port whose behaviour can change
// while the server retries. kDown does not listen at all (connection
// refused); kSlow reads the request, keeps it, and answers after `slow`
// (longer than the server's webhook timeout).
class Webhook {
 public:
  enum class Mode { kDown, kError500, kSlow, kOk };

  explicit Webhook(Mode mode, std::chrono::milliseconds slow = 1500ms) : mode_(mode), slow_(slow) {
    // Take a free port, then let it go: while kDown nothing listens there.
    tcp::acceptor probe(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port_ = probe.local_endpoint().port();
    probe.close();
    thread_ = std::thread([this] { Loop(); });
  }
  ~Webhook() {
    stop_ = true;
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void set_mode(Mode m) { mode_ = m; }
  int attempts() const { return attempts_; }

  // Every event body received (including ones answered too late or with
  // 500), in arrival order.
  std::vector<json> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Times of every connection attempt that reached us.
  std::vector<std::chrono::steady_clock::time_point> attempt_times() {
    std::lock_guard lock(mu_);
    return times_;
  }
  // Ids accepted with 2xx, in order.
  std::vector<std::string> accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }

 private:
  void Loop() {
    std::optional<tcp::acceptor> acceptor;
    while (!stop_) {
      if (mode_ == Mode::kDown) {
        acceptor.reset();
        std::this_thread::sleep_for(10ms);
        continue;
      }
      beast::error_code ec;
      if (!acceptor) {
        acceptor.emplace(ioc_);
        acceptor->open(tcp::v4(), ec);
        acceptor->set_option(net::socket_base::reuse_address(true), ec);
        acceptor->bind(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
        if (!ec) acceptor->listen(16, ec);
        if (ec) {
          acceptor.reset();
          std::this_thread::sleep_for(10ms);
          continue;
        }
        acceptor->non_blocking(true);
      }
      tcp::socket socket(ioc_);
      acceptor->accept(socket, ec);
      if (ec == net::error::would_block) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (ec) continue;
      socket.non_blocking(false);
      Mode mode = mode_;
      {
        std::lock_guard lock(mu_);
        times_.push_back(std::chrono::steady_clock::now());
      }
      ++attempts_;
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      json body = json::parse(req.body(), nullptr, false);
      {
        std::lock_guard lock(mu_);
        received_.push_back(body);
      }
      if (mode == Mode::kSlow) std::this_thread::sleep_for(slow_);
      bool ok = mode == Mode::kOk;
      http::response<http::string_body> res{ok ? http::status::ok : http::status::internal_server_error, 11};
      res.keep_alive(false);
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ok && !ec && body.is_object()) {
        std::lock_guard lock(mu_);
        accepted_.push_back(body.value("id", ""));
      }
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  std::atomic<Mode> mode_;
  std::chrono::milliseconds slow_;
  net::io_context ioc_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> attempts_{0};
  std::mutex mu_;
  std::vector<json> received_;
  std::vector<std::string> accepted_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

// The events of an escalation log (lines with an "id"), and the ids marked
// delivered.
struct EscalationLog {
  std::vector<json> events;
  std::vector<std::string> delivered;
};
inline EscalationLog ReadEscalations(const std::string& path) {
  EscalationLog log;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.contains("delivered")) {
      log.delivered.push_back(j["delivered"]);
    } else if (j.contains("id")) {
      log.events.push_back(j);
    }
  }
  return log;
}

inline const json kStartFrame = {{"type", "start"}, {"script", "emotional-numbness"}, {"locale", "en"}, {"region", "US"}};

inline json MessageFrame(const std::string& text, std::optional<int> id = std::nullopt) {
  json j = {{"type", "message"}, {"text", text}};
  if (id) j["id"] = *id;
  return j;
}

// start → the token; the opening bot frame is read.
inline std::string Begin(WsClient& c) {
  c.Send(kStartFrame);
  json session = c.Expect("session");
  c.Expect("bot");
  return session.value("token", "");
}

// A new conversation that reaches a crisis reply (one escalation event).
inline void Crisis(uint16_t port) {
  WsClient c;
  ASSERT_TRUE(c.Connect(port));
  Begin(c);
  c.Ask(MessageFrame("yes"));
  EXPECT_TRUE(c.Ask(MessageFrame("I want to kill myself")).contains("crisis"));
  c.Close();
}

inline int Ready(uint16_t port) { return HttpRequest(port, "/readyz").status; }

// One sample of GET /metrics, or -1.
inline double MetricOf(uint16_t port, const std::string& sample) {
  return Metric(HttpRequest(port, "/metrics").body, sample);
}

// A ServerProcess prefix: the server runs with a 2 MiB tmpfs over `dir`, in
// its own mount namespace (nothing leaks to the host; it goes with the
// process). Without CAP_SYS_ADMIN the server never starts (port 0): skip.
inline std::vector<std::string> OnASmallTmpfs(const std::string& dir) {
  return {"unshare", "-m", "--propagation", "private", "sh", "-c",
          "mount -t tmpfs -o size=2m,mode=0700 screener-fault \"$0\" || exit 77; exec \"$@\"", dir};
}

// Writes `file` until its file system is full.
inline void FillUp(const std::string& file) {
  std::ofstream out(file, std::ios::binary);
  std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 64 && out; ++i) out.write(chunk.data(), chunk.size()), out.flush();
  ASSERT_FALSE(out) << "the file system did not fill up";
}

}  // namespace screener::server::testing
