// beast-echo: a minimal Boost.Beast WebSocket echo server, the ceiling the
// screener-server benchmark is compared with (bench/run.sh). It does what any
// Beast server must do per message and nothing else: one read, one write.
//
// Like screener-server it is single-threaded by default and parks each idle
// session in socket.async_wait(wait_read) before calling ws.async_read: with
// thousands of sessions a plain async_read loop starves sockets still queued in
// epoll (see shared/PERFORMANCE.md, "A trap found here"), and a baseline with
// that tail would flatter the candidate. --no-park turns the parking off to
// show the difference.
//
// Usage: beast-echo [--port N] [--bind ADDR] [--threads N] [--no-park]
// Prints "listening PORT" once it accepts connections; SIGINT/SIGTERM stop it.
#include <sys/resource.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

bool g_park = true;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : ws_(std::move(socket)) {}

  void Start() {
    ws_.read_message_max(64 * 1024);
    ws_.auto_fragment(false);
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->WaitForData();
    });
  }

 private:
  // Parks the session in epoll until its next frame is there, so a session
  // whose data already waits cannot starve one still queued (see above).
  void WaitForData() {
    if (!g_park || buffer_.size() > 0) return Read();
    ws_.next_layer().async_wait(tcp::socket::wait_read,
                                [self = shared_from_this()](beast::error_code ec) {
                                  if (ec) return;
                                  self->Read();
                                });
  }

  void Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(),
                            [self](beast::error_code ec, std::size_t) {
                              if (ec) return;
                              self->buffer_.consume(self->buffer_.size());
                              self->WaitForData();
                            });
    });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, tcp::endpoint endpoint) : ioc_(ioc), acceptor_(ioc) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
                             if (!ec) {
                               s.set_option(tcp::no_delay(true));
                               std::make_shared<Session>(std::move(s))->Start();
                             } else if (ec == asio::error::operation_aborted) {
                               return;
                             }
                             self->Accept();
                           });
  }

 private:
  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
};

void RaiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string bind = "127.0.0.1";
  unsigned short port = 8081;
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "beast-echo: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port") port = static_cast<unsigned short>(std::atoi(value().c_str()));
    else if (a == "--bind") bind = value();
    else if (a == "--threads") threads = std::max(1, std::atoi(value().c_str()));
    else if (a == "--no-park") g_park = false;
    else if (a == "--help" || a == "-h") {
      std::printf("usage: beast-echo [--port N (8081)] [--bind ADDR (127.0.0.1)] "
                  "[--threads N (1)] [--no-park]\n");
      return 0;
    } else {
      std::fprintf(stderr, "beast-echo: unknown option %s (try --help)\n", a.c_str());
      return 2;
    }
  }
  RaiseFileLimit();
  asio::io_context ioc(threads);
  auto listener = std::make_shared<Listener>(ioc, tcp::endpoint(asio::ip::make_address(bind), port));
  listener->Accept();
  std::printf("listening %u\n", listener->port());
  std::fflush(stdout);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
