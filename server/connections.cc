// Listener, HTTP session and WebSocket session, after Beast's chat-multi and
// advanced-server examples. Every socket gets its own strand; a session's
// handlers all run on it, so a session's state needs no lock. Every
// completion handler starts with `if (ec) return ...;`.
#include "server/connections.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <optional>
#include <type_traits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "server/http_util.h"
#include "server/protocol.h"
#include "server/readiness.h"
#include "server/redis_sessions.h"

namespace screener::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;

namespace {

std::atomic<uint64_t> next_connection_id{1};

// ---------------------------------------------------------------------------
// ParkedStream: a transport layer for websocket::stream that waits for the
// socket to become readable before each read from it. Asio would otherwise
// try a speculative read at once and keep serving sockets whose data is
// already there, starving sockets still waiting in epoll (PERFORMANCE.md,
// "A trap found here"). Bytes Beast already buffered are not affected: Beast
// only reads from this layer when it needs more, so pipelined frames are
// never stuck behind the wait.
// The socket under a layer: a tcp::socket is its own.
template <class Layer>
tcp::socket& SocketOf(Layer& layer) {
  if constexpr (std::is_same_v<Layer, tcp::socket>) {
    return layer;
  } else {
    return layer.socket();
  }
}

template <class NextLayer>
class ParkedStream {
 public:
  using executor_type = typename NextLayer::executor_type;

  template <class... Args>
  explicit ParkedStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  NextLayer& next_layer() noexcept { return next_; }
  const NextLayer& next_layer() const noexcept { return next_; }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return net::async_compose<Handler, void(beast::error_code, std::size_t)>(ReadOp<MutableBuffers>{next_, buffers},
                                                                              handler, next_);
  }

  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return next_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  template <class MutableBuffers>
  struct ReadOp {
    NextLayer& next;
    MutableBuffers buffers;

    template <class Self>
    void operator()(Self& self) {
      if (beast::buffer_bytes(buffers) == 0) {
        next.async_read_some(buffers, std::move(self));
        return;
      }
      SocketOf(next).async_wait(tcp::socket::wait_read, std::move(self));
    }
    template <class Self>
    void operator()(Self& self, beast::error_code ec) {
      if (ec) return self.complete(ec, 0);
      next.async_read_some(buffers, std::move(self));
    }
    template <class Self>
    void operator()(Self& self, beast::error_code ec, std::size_t n) {
      self.complete(ec, n);
    }
  };

  NextLayer next_;
};

template <class NextLayer>
void teardown(beast::role_type role, ParkedStream<NextLayer>& s, beast::error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

template <class NextLayer, class Handler>
void async_teardown(beast::role_type role, ParkedStream<NextLayer>& s, Handler&& handler) {
  using beast::websocket::async_teardown;
  async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
struct WsFor;
// A plain WebSocket runs on the bare socket: its timeouts are the
// WebSocket's own, and tcp_stream's per-operation timer bookkeeping would
// be paid on every message for nothing.
template <>
struct WsFor<PlainStream> {
  using type = websocket::stream<ParkedStream<tcp::socket>>;
};
template <>
struct WsFor<TlsStream> {
  using type = websocket::stream<TlsStream>;
};

// ---------------------------------------------------------------------------
// HTTP responses.

using Request = http::request<http::string_body>;

std::string HttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

constexpr const char* kHtmlCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; object-src 'none'";

template <class Body>
void CommonHeaders(http::response<Body>& res, const Request& req) {
  res.version(req.version());
  res.keep_alive(req.keep_alive());
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
}

http::message_generator Text(const Request& req, http::status status, std::string body,
                             std::string_view type = "text/plain; charset=utf-8") {
  http::response<http::string_body> res{status, req.version()};
  CommonHeaders(res, req);
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  if (status == http::status::method_not_allowed) res.set(http::field::allow, "GET, HEAD");
  size_t size = body.size();
  if (req.method() != http::verb::head) res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(size);
  return res;
}

// `rel`: from SafeRelativePath (RouteRequest).
http::message_generator StaticFile(SharedState& state, const Request& req, const std::string& rel) {
  if (state.web_root.empty()) return Text(req, http::status::not_found, "not found\n");
  std::error_code ec;
  fs::path path = fs::path(state.web_root) / rel;
  if (fs::is_directory(path, ec)) path /= "index.html";
  fs::path real = fs::canonical(path, ec);
  if (ec) return Text(req, http::status::not_found, "not found\n");
  std::string real_s = real.string();
  // Symbolic links must not lead out of the web root.
  if (real_s.compare(0, state.web_root.size() + 1, state.web_root + "/") != 0) {
    return Text(req, http::status::not_found, "not found\n");
  }
  struct stat st {};
  if (::stat(real_s.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return Text(req, http::status::not_found, "not found\n");
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ull +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  std::string_view type = ContentType(real_s);
  bool html = type.rfind("text/html", 0) == 0;
  auto headers = [&](auto& res) {
    CommonHeaders(res, req);
    res.set(http::field::etag, etag);
    res.set(http::field::last_modified, HttpDate(st.st_mtim.tv_sec));
    // Revalidate every time (cheap with the ETag): a new widget release is
    // picked up at once.
    res.set(http::field::cache_control, "no-cache");
    res.set(http::field::content_type, type);
    if (html) res.set("Content-Security-Policy", kHtmlCsp);
  };
  if (auto inm = req[http::field::if_none_match]; !inm.empty() && inm.find(etag) != std::string_view::npos) {
    http::response<http::empty_body> res{http::status::not_modified, req.version()};
    headers(res);
    return res;
  }
  http::file_body::value_type body;
  beast::error_code bec;
  body.open(real_s.c_str(), beast::file_mode::scan, bec);
  if (bec) return Text(req, http::status::not_found, "not found\n");
  auto size = body.size();
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    headers(res);
    res.content_length(size);
    return res;
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  headers(res);
  res.content_length(size);
  return res;
}

http::message_generator Handle(SharedState& state, const Request& req) {
  state.metrics.http_requests++;
  RouteDecision route = RouteRequest(req.method_string(), req.target(), false, {}, {}, {}, state.tls);
  switch (route.route) {
    case Route::kMethodNotAllowed:
      return Text(req, http::status::method_not_allowed, "method not allowed\n");
    case Route::kHealth:
      return Text(req, http::status::ok, "ok\n");
    case Route::kReady: {
      std::string why = NotReadyReason(state);
      if (why.empty()) return Text(req, http::status::ok, "ready\n");
      return Text(req, http::status::service_unavailable, why + "\n");
    }
    case Route::kVersion: {
      nlohmann::json v = {{"name", "screener-server"}, {"version", SCREENER_VERSION}, {"protocol", kProtocolVersion},
                          {"scripts", state.library->Ids()}};
      return Text(req, http::status::ok, v.dump() + "\n", "application/json");
    }
    case Route::kMetrics:
      return Text(req, http::status::ok, state.metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
    case Route::kUpgradeRequired:
      return Text(req, http::status::upgrade_required, "use a WebSocket client\n");
    case Route::kBadPath:
      return Text(req, http::status::bad_request, "bad path\n");
    case Route::kStaticFile:
      return StaticFile(state, req, route.file);
    case Route::kWebSocket:
    case Route::kOriginRefused:
    case Route::kNotFound:
      break;  // upgrades only: HttpSession::Upgrade
  }
  return Text(req, http::status::not_found, "not found\n");
}

// ---------------------------------------------------------------------------
// WebSocket session.

template <class Ws>
class WebSocketSession : public LiveConnection,
                         public Attachment,
                         public std::enable_shared_from_this<WebSocketSession<Ws>> {
 public:
  template <class Stream>
  WebSocketSession(Stream&& stream, SharedState& state)
      : ws_(std::forward<Stream>(stream)), state_(state), id_(next_connection_id++) {}

  ~WebSocketSession() override { Finish("destroyed"); }

  // `state_.Reserve()` was true for this connection.
  void Run(Request req) {
    state_.Join(this, this->weak_from_this());
    joined_ = true;
    protocol_.emplace(state_, std::weak_ptr<Attachment>(this->shared_from_this()), this);
    net::dispatch(ws_.get_executor(),
                  beast::bind_front_handler(&WebSocketSession::DoAccept, this->shared_from_this(), std::move(req)));
  }

  void GoingAway() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->Close(websocket::close_code::going_away); });
  }

  void TakenOver() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->protocol_->OnTakenOver();
      self->state_.log.Info("taken_over", {{"conn", self->id_}});
      self->Close(websocket::close_code::policy_error);
    });
  }

 private:
  void DoAccept(Request req) {
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = state_.options.handshake_timeout;
    // Beast's idle timeout re-arms a timer on every read; ArmIdleTimer keeps
    // the same rule at the cost of a time stamp per message. The handshake
    // timeout also bounds the closing handshake.
    timeout.idle_timeout = websocket::stream_base::none();
    timeout.keep_alive_pings = false;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      // No version banner. Beast puts its own ("Boost.Beast/345") back when
      // the field is erased, so it is set to a bare name instead.
      res.set(http::field::server, "screener");
    }));
    ws_.read_message_max(state_.options.max_frame);
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&WebSocketSession::OnAccept, this->shared_from_this()));
  }

  void OnAccept(beast::error_code ec) {
    if (ec) return Finish("handshake: " + ec.message());
    state_.log.Info("connect", {{"conn", id_}, {"tls", state_.tls}});
    last_received_ = std::chrono::steady_clock::now();
    ArmIdleTimer(last_received_ + state_.options.idle_timeout);
    DoRead();
  }

  // The idle timeout (idle means silent: the client pings, docs/protocol.md).
  // A message only stamps last_received_; the one timer of the connection
  // finds out when it fires whether the connection was silent all along, and
  // otherwise waits for the rest of the time. No timer is touched per message.
  void ArmIdleTimer(std::chrono::steady_clock::time_point deadline) {
    idle_timer_.expires_at(deadline);
    idle_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->OnIdleTimer();
    });
  }

  void OnIdleTimer() {
    if (finished_ || closing_) return;
    auto deadline = last_received_ + state_.options.idle_timeout;
    if (std::chrono::steady_clock::now() < deadline) return ArmIdleTimer(deadline);
    // Like Beast's own timeout: no closing handshake with a silent peer.
    Finish("idle timeout");
    beast::error_code ignored;
    SocketOf(beast::get_lowest_layer(ws_)).close(ignored);
  }

  void DoRead() {
    if (reading_ || finished_ || closing_ || escalating_ || paused_ || waiting_) return;
    reading_ = true;
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) {
      if (ec == websocket::error::message_too_big) state_.metrics.Error(ErrorKind::kFrameTooBig);
      if (ec == websocket::error::bad_frame_payload) state_.metrics.Error(ErrorKind::kInvalidUtf8);
      return Finish(ec == websocket::error::closed ? "closed" : ec.message());
    }
    if (closing_) return;
    auto received = std::chrono::steady_clock::now();
    last_received_ = received;
    state_.metrics.messages_in++;
    Outcome out;
    if (ws_.got_binary()) {
      out = protocol_->OnBinary();
    } else {
      auto data = buffer_.cdata();
      out = protocol_->OnText(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    buffer_.consume(buffer_.size());
    Deliver(std::move(out), received);
  }

  void Deliver(Outcome out, std::chrono::steady_clock::time_point received) {
    if (out.pending) {
      // Redis: the frames wait for the store, and reading waits with them.
      waiting_ = true;
      auto pending = std::move(out.pending);
      pending([self = this->shared_from_this(), received](Continuation next) {
        net::post(self->ws_.get_executor(), [self, next = std::move(next), received] {
          self->waiting_ = false;
          self->Deliver(next(), received);
        });
      });
      return;
    }
    if (out.taken_over) {
      state_.log.Info("taken_over", {{"conn", id_}});
      return Close(websocket::close_code::policy_error);
    }
    if (out.escalation) {
      // The event is on disk before the person sees the crisis reply.
      escalating_ = true;
      nlohmann::json event = std::move(*out.escalation);
      state_.log.Warn("escalation", {{"conn", id_},
                                     {"session", event.value("session", "")},
                                     {"event_id", event.value("id", "")},
                                     {"script", event.value("script", "")},
                                     {"categories", event.value("categories", nlohmann::json::array())}});
      std::function<void(bool)> done = [self = this->shared_from_this(), frames = std::move(out.frames),
                                         received](bool) mutable {
        net::post(self->ws_.get_executor(), [self, frames = std::move(frames), received]() mutable {
          self->escalating_ = false;
          self->Send(std::move(frames), received);
          self->DoRead();
        });
      };
      if (state_.outbox) {
        state_.outbox->Submit(std::move(event), std::move(done));
      } else {
        state_.escalation.Submit(std::move(event), std::move(done));
      }
      return;
    }
    Send(std::move(out.frames), received);
    DoRead();
  }

  void Send(std::vector<std::string> frames, std::chrono::steady_clock::time_point received) {
    if (finished_ || closing_) return;
    bool idle = queue_.empty();
    for (std::string& f : frames) queue_.push_back(std::move(f));
    state_.metrics.ObserveReplyLatency(std::chrono::steady_clock::now() - received);
    if (queue_.size() > state_.options.write_queue) {
      // A reader this slow gets no more memory: drop the connection.
      state_.metrics.Error(ErrorKind::kSlowReader);
      state_.log.Warn("slow_reader", {{"conn", id_}, {"queued", queue_.size()}});
      beast::error_code ignored;
      SocketOf(beast::get_lowest_layer(ws_)).close(ignored);
      return Finish("slow reader");
    }
    // Stop reading while the client is not reading what we send.
    if (queue_.size() >= state_.options.write_queue / 2) paused_ = true;
    if (idle) DoWrite();
  }

  void DoWrite() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    beast::bind_front_handler(&WebSocketSession::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec) return Finish("write: " + ec.message());
    state_.metrics.messages_out++;
    queue_.pop_front();
    if (!queue_.empty()) DoWrite();
    if (paused_ && queue_.size() < state_.options.write_queue / 2) {
      paused_ = false;
      DoRead();
    }
  }

  void Close(websocket::close_code code) {
    if (closing_ || finished_) return;
    closing_ = true;
    ws_.async_close(code, [self = this->shared_from_this()](beast::error_code ec) {
      self->Finish(ec ? "close: " + ec.message() : "closed by server");
    });
  }

  // Once per connection: detach the conversation, leave the live set.
  void Finish(const std::string& reason) {
    if (finished_) return;
    finished_ = true;
    idle_timer_.cancel();
    std::string session = protocol_ ? protocol_->session_id() : std::string();
    if (protocol_) protocol_->OnDisconnect();
    if (joined_) state_.Leave(this);
    state_.log.Info("disconnect", {{"conn", id_}, {"session", session}, {"reason", reason}});
  }

  Ws ws_;
  SharedState& state_;
  const uint64_t id_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;  // front() is being written
  net::steady_timer idle_timer_{ws_.get_executor()};
  std::chrono::steady_clock::time_point last_received_;  // the last message, or the handshake
  std::optional<ProtocolSession> protocol_;
  bool joined_ = false;
  bool reading_ = false;
  bool paused_ = false;      // the write queue is half full: wait for the client
  bool escalating_ = false;  // an escalation event is being written
  bool waiting_ = false;     // a turn waits for Redis
  bool closing_ = false;
  bool finished_ = false;
};

// ---------------------------------------------------------------------------
// HTTP session: requests until an upgrade or the end of the connection.

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(tcp::socket&& socket, SharedState& state, net::ssl::context* tls)
      : stream_(MakeStream(std::move(socket), tls)), state_(state) {}

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        beast::get_lowest_layer(self->stream_).expires_after(self->state_.options.handshake_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return;  // not TLS, or a scanner: nothing to log per connection
          self->DoRead();
        });
      } else {
        self->DoRead();
      }
    });
  }

 private:
  static Stream MakeStream(tcp::socket&& socket, net::ssl::context* tls) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  void DoRead() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(8 * 1024);
    beast::get_lowest_layer(stream_).expires_after(state_.options.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return DoClose();
    if (ec) return;
    Request& req = parser_->get();
    if (websocket::is_upgrade(req)) return Upgrade(parser_->release());
    bool keep_alive = req.keep_alive() && !state_.stopping;
    http::message_generator msg = Handle(state_, req);
    beast::async_write(stream_, std::move(msg),
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         if (!keep_alive) return self->DoClose();
                         self->DoRead();
                       });
  }

  void Reply(const Request& req, http::status status, std::string body) {
    auto msg = Text(req, status, std::move(body));
    beast::async_write(stream_, std::move(msg),
                       [self = this->shared_from_this()](beast::error_code, std::size_t) { self->DoClose(); });
  }

  void Upgrade(Request req) {
    Route route = RouteRequest(req.method_string(), req.target(), true, req[http::field::origin],
                               req[http::field::host], state_.options.allowed_origins, state_.tls)
                      .route;
    if (route == Route::kNotFound) return Reply(req, http::status::not_found, "not found\n");
    if (route == Route::kOriginRefused) {
      state_.metrics.Error(ErrorKind::kOriginRefused);
      state_.log.Info("origin_refused", {{"origin", std::string(req[http::field::origin])}});
      return Reply(req, http::status::forbidden, "origin not allowed\n");
    }
    if (!state_.Reserve()) {
      state_.metrics.Error(ErrorKind::kConnectionLimit);
      return Reply(req, http::status::service_unavailable, "the server is at its connection limit\n");
    }
    beast::get_lowest_layer(stream_).expires_never();  // the WebSocket has its own timeouts
    using Ws = typename WsFor<Stream>::type;
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      std::make_shared<WebSocketSession<Ws>>(stream_.release_socket(), state_)->Run(std::move(req));
    } else {
      std::make_shared<WebSocketSession<Ws>>(std::move(stream_), state_)->Run(std::move(req));
    }
  }

  void DoClose() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  SharedState& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// ---------------------------------------------------------------------------
// Listener.

class TcpListener final : public Listener, public std::enable_shared_from_this<TcpListener> {
 public:
  TcpListener(net::io_context& ioc, SharedState& state, net::ssl::context* tls)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_(acceptor_.get_executor()), state_(state), tls_(tls) {}

  beast::error_code Open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
    return ec;
  }

  void Start() { DoAccept(); }

  void Close() override {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->closed_ = true;
      self->retry_.cancel();
      self->acceptor_.close(ec);
    });
  }

  uint16_t port() const override { return port_; }

 private:
  void DoAccept() {
    if (closed_) return;
    acceptor_.async_accept(ConnectionExecutor(),
                           beast::bind_front_handler(&TcpListener::OnAccept, shared_from_this()));
  }

  // Each connection's handlers must run one at a time. With one network
  // thread they do anyway, and other threads only ever post to a
  // connection, so a strand would add a queue and a lock to every operation
  // for nothing.
  net::any_io_executor ConnectionExecutor() {
    if (state_.network_threads == 1) return ioc_.get_executor();
    return net::make_strand(ioc_);
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || closed_) return;
    if (ec) {
      // Out of descriptors, most likely: back off instead of spinning.
      state_.log.Error("accept_failed", {{"error", ec.message()}});
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->DoAccept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls_) {
      std::make_shared<HttpSession<TlsStream>>(std::move(socket), state_, tls_)->Run();
    } else {
      std::make_shared<HttpSession<PlainStream>>(std::move(socket), state_, nullptr)->Run();
    }
    DoAccept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  SharedState& state_;
  net::ssl::context* tls_;
  uint16_t port_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::shared_ptr<Listener>> Listen(net::io_context& ioc, SharedState& state, net::ssl::context* tls) {
  beast::error_code ec;
  auto address = net::ip::make_address(state.options.bind, ec);
  if (ec) return Problem{"", "", "--bind: not an IP address: " + state.options.bind};
  auto listener = std::make_shared<TcpListener>(ioc, state, tls);
  ec = listener->Open(tcp::endpoint(address, state.options.port));
  if (ec) {
    return Problem{"", "",
                   "cannot listen on " + state.options.bind + ":" + std::to_string(state.options.port) + ": " +
                       ec.message()};
  }
  listener->Start();
  return std::shared_ptr<Listener>(listener);
}

}  // namespace screener::server
