// Helpers for the server tests: a server on an ephemeral port with its own
// temporary state dir, a real Beast WebSocket client, and an HTTP getter.
// Every network wait is bounded (run_for), so a broken server fails a test
// instead of hanging it.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/registry.h"
#include "server/server.h"
#include "server/store.h"

namespace screener::server::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;
using namespace std::chrono_literals;

inline std::shared_ptr<const ScriptLibrary> Library() {
  static std::shared_ptr<const ScriptLibrary> library = [] {
    auto loaded = LoadLibrary("scripts");
    if (!loaded) {
      ADD_FAILURE() << loaded.error();
      return std::shared_ptr<const ScriptLibrary>();
    }
    return *loaded;
  }();
  return library;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "screener-server-test-XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    path_ = ::mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A thread-safe sink for the server's log lines, so tests can read them.
class LogCapture {
 public:
  std::ostream& stream() { return out_; }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;  // the Logger serialises writes
};

struct TestServer {
  // 2, or SCREENER_TEST_THREADS: ctest runs the suite again with 1, where
  // connections run without strands (server/connections.cc).
  static int DefaultThreads() {
    const char* env = std::getenv("SCREENER_TEST_THREADS");
    return env && std::atoi(env) > 0 ? std::atoi(env) : 2;
  }

  explicit TestServer(const std::string& state_dir, ServerOptions o = {}) : log(capture.stream(), LogLevel::kDebug) {
    o.bind = "127.0.0.1";
    o.port = 0;
    o.state_dir = state_dir;
    if (o.threads == 0) o.threads = DefaultThreads();
    server = std::make_unique<Server>(o, Library(), log);
    Problems p = server->Start();
    EXPECT_TRUE(p.empty()) << ToString(p);
  }
  uint16_t port() const { return server->port(); }

  LogCapture capture;
  Logger log;
  std::unique_ptr<Server> server;
};

class WsClient {
 public:
  WsClient() : ws_(ioc_) {}

  // Connects and upgrades; false on failure (`status` gets the HTTP status).
  bool Connect(uint16_t port, const std::string& origin = "", int* status = nullptr, const std::string& host = "") {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return false;
    if (!origin.empty()) {
      ws_.set_option(websocket::stream_base::decorator(
          [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
    }
    std::string h = host.empty() ? "127.0.0.1:" + std::to_string(port) : host;
    ec = Run([&](auto handler) { ws_.async_handshake(response_, h, "/ws", handler); });
    if (status) *status = response_.result_int();
    return !ec;
  }

  void SendText(const std::string& text) {
    ws_.text(true);
    beast::error_code ec = Run([&](auto handler) { ws_.async_write(net::buffer(text), handler); });
    EXPECT_FALSE(ec) << ec.message();
  }
  void Send(const json& j) { SendText(j.dump()); }
  void SendBinary(const std::string& data) {
    ws_.binary(true);
    beast::error_code ec = Run([&](auto handler) { ws_.async_write(net::buffer(data), handler); });
    EXPECT_FALSE(ec) << ec.message();
  }

  // The next frame as JSON; nullopt on close, error or timeout.
  std::optional<json> Read(std::chrono::milliseconds timeout = 5000ms) {
    beast::flat_buffer buffer;
    last_error_ = Run([&](auto handler) { ws_.async_read(buffer, handler); }, timeout);
    if (last_error_) return std::nullopt;
    json j = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    EXPECT_FALSE(j.is_discarded());
    return j;
  }

  // Reads frames of `type`, failing on anything else; returns the frame.
  json Expect(const std::string& type, std::chrono::milliseconds timeout = 5000ms) {
    auto j = Read(timeout);
    if (!j) {
      ADD_FAILURE() << "expected a \"" << type << "\" frame, got " << last_error_.message();
      return json::object();
    }
    EXPECT_EQ((*j).value("type", ""), type) << j->dump();
    return *j;
  }

  // Reads until the server closes; returns the close code (or -1).
  int ReadClose(std::chrono::milliseconds timeout = 5000ms) {
    for (int i = 0; i < 100; ++i) {
      if (!Read(timeout)) break;
    }
    if (last_error_ == websocket::error::closed) return ws_.reason().code;
    return -1;
  }

  // A round trip: send, then expect a frame of `type`.
  json Ask(const json& frame, const std::string& type = "bot") {
    Send(frame);
    return Expect(type);
  }

  beast::error_code last_error() const { return last_error_; }
  void Close() {
    Run([&](auto handler) { ws_.async_close(websocket::close_code::normal, handler); }, 2000ms);
  }
  void Drop() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  template <class Start>
  beast::error_code Run(Start&& start, std::chrono::milliseconds timeout = 5000ms) {
    beast::error_code result = net::error::timed_out;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc_.restart();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) ioc_.run_one_until(deadline);
    if (!done) {
      beast::error_code ec;
      beast::get_lowest_layer(ws_).socket().close(ec);
      ioc_.restart();
      ioc_.run_for(200ms);
    }
    return result;
  }

  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
  beast::error_code last_error_;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline HttpResult HttpRequest(uint16_t port, const std::string& target,
                              std::vector<std::pair<std::string, std::string>> headers = {},
                              http::verb method = http::verb::get) {
  HttpResult result;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return result;
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  req.prepare_payload();
  bool done = false;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  if (method == http::verb::head) parser.skip(true);
  beast::flat_buffer buffer;
  stream.expires_after(5s);
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    if (e) {
      done = true;
      return;
    }
    http::async_read(stream, buffer, parser, [&](beast::error_code e2, std::size_t) {
      ec = e2;
      done = true;
    });
  });
  ioc.run_for(6s);
  if (!done || ec) return result;
  const auto& res = parser.get();
  result.status = res.result_int();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    result.headers[name] = std::string(field.value());
  }
  result.body = res.body();
  return result;
}

// The value of one Prometheus sample ("name{labels}"), or -1.
inline double Metric(const std::string& text, const std::string& sample) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
  }
  return -1;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls `done` every 20 ms until it is true or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// The conversations saved in a state dir, read as a restarting server would
// (a read-only view: safe while a server is writing).
inline std::vector<nlohmann::json> SavedRecords(const std::string& state_dir) {
  auto store = FileStore::Open(state_dir);
  if (!store) return {};
  Problems problems;
  return (*store)->LoadAll(&problems);
}

// Every byte under STATE_DIR/sessions, for privacy checks.
inline std::string SavedBytes(const std::string& state_dir) {
  std::string all;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(state_dir + "/sessions", ec)) {
    all += ReadFile(e.path().string());
  }
  return all;
}

}  // namespace screener::server::testing
