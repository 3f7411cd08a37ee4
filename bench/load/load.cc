// screener-load: the load generator for screener-server and its baselines.
//
// Opens N WebSocket connections from one thread (one io_context; pin it to a
// core with taskset), ramps them up a bounded number at a time, then drives
// them for a warm-up and a measured period and prints throughput, reply
// latency (p50/p99/p99.9/max), the session set-up rate, errors, and — given
// --server-pid — the server's RSS per open connection and its CPU use.
//
// Protocols:
//   screener  real conversations through the shipped scripts: `start`, then
//             answer each `bot` frame with one of its quick replies' labels
//             (or "yes" when it has none); on an ended conversation send
//             `restart`. Every `message` carries an increasing `id`, and a
//             `bot` frame whose `reply_to` names another id is not taken as
//             the reply.
//   echo      JSON frames of --frame-bytes bytes shaped like a `message`
//             (for beast-echo and the Node baseline); any frame is the reply.
//
// Modes:
//   pingpong  each connection sends its next message when the reply arrives
//             (closed loop: saturation throughput).
//   rate      a fixed offered load of --rate messages/s, spread evenly over the
//             connections (each sends every N/rate seconds on a fixed
//             schedule). At most one message is outstanding per connection
//             (the protocol is a conversation); a message whose slot comes
//             while the previous reply is still awaited is sent as soon as
//             that reply arrives, and its latency is still measured from its
//             scheduled time, so a slow server cannot hide behind the client
//             waiting for it (no coordinated omission, as in wrk2).
//
// Latency is measured for messages scheduled (rate) or sent (pingpong) inside
// the measured period; after it the client stops sending, waits up to
// --drain seconds for outstanding replies, and reports those still missing as
// "unanswered" with the oldest one's age. The last line of the output,
// "RESULT key=value ...", is for scripts (bench/run.sh).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

namespace {

// ---------------------------------------------------------------- options

enum class Mode { kPingPong, kRate };
enum class Protocol { kScreener, kEcho };
enum class Choice { kFirst, kRandom };

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string path = "/ws";
  int connections = 100;
  double duration_s = 10;
  double warmup_s = 3;
  double drain_s = 2;
  double ramp_timeout_s = 120;
  int ramp_concurrency = 200;
  double idle_before_rss_s = 1;
  Mode mode = Mode::kPingPong;
  double rate = 10000;
  Protocol protocol = Protocol::kScreener;
  std::vector<std::string> scripts = {"phq9"};
  Choice choice = Choice::kFirst;
  int frame_bytes = 110;
  long server_pid = 0;
  std::string origin;
  std::string label;  // free text copied into the RESULT line
};

const char kUsage[] =
    "usage: screener-load --url ws://HOST:PORT/PATH [options]\n"
    "  --connections N       concurrent connections (100)\n"
    "  --duration S          measured seconds (10)\n"
    "  --warmup S            warm-up seconds under load before measuring (3)\n"
    "  --mode pingpong|rate  closed loop, or a fixed offered rate (pingpong)\n"
    "  --rate MSG_PER_S      offered load in rate mode, over all connections (10000)\n"
    "  --protocol screener|echo  real conversations, or echo frames (screener)\n"
    "  --script ID[,ID...]   scripts for the conversations, round-robin (phq9)\n"
    "  --choice first|random which quick reply to answer with (first)\n"
    "  --frame-bytes N       size of an echo-protocol frame (110)\n"
    "  --server-pid PID      read the server's RSS and CPU time from /proc\n"
    "  --ramp-concurrency N  connection set-ups in flight at once (200)\n"
    "  --ramp-timeout S      give up on set-ups still pending after S (120)\n"
    "  --idle S              idle time after the ramp before reading RSS (1)\n"
    "  --drain S             wait for outstanding replies after the run (2)\n"
    "  --origin ORIGIN       send this Origin header in the upgrade\n"
    "  --label TEXT          copied into the RESULT line\n";

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "screener-load: %s\n", message.c_str());
  std::exit(2);
}

double ParseDouble(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(d >= 0)) Die(flag + ": not a non-negative number: " + v);
  return d;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

void ParseUrl(const std::string& url, Options& o) {
  const std::string scheme = "ws://";
  if (url.rfind(scheme, 0) != 0) Die("--url: only ws:// URLs are supported: " + url);
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  o.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    o.host = authority;
    o.port = "80";
  } else {
    o.host = authority.substr(0, colon);
    o.port = authority.substr(colon + 1);
  }
  if (o.host.empty()) Die("--url: no host in " + url);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) Die(a + " needs a value (try --help)");
    std::string v = argv[++i];
    if (a == "--url") ParseUrl(v, o);
    else if (a == "--connections") o.connections = static_cast<int>(ParseDouble(a, v));
    else if (a == "--duration") o.duration_s = ParseDouble(a, v);
    else if (a == "--warmup") o.warmup_s = ParseDouble(a, v);
    else if (a == "--drain") o.drain_s = ParseDouble(a, v);
    else if (a == "--idle") o.idle_before_rss_s = ParseDouble(a, v);
    else if (a == "--ramp-timeout") o.ramp_timeout_s = ParseDouble(a, v);
    else if (a == "--ramp-concurrency") o.ramp_concurrency = std::max(1, static_cast<int>(ParseDouble(a, v)));
    else if (a == "--rate") o.rate = ParseDouble(a, v);
    else if (a == "--frame-bytes") o.frame_bytes = static_cast<int>(ParseDouble(a, v));
    else if (a == "--server-pid") o.server_pid = static_cast<long>(ParseDouble(a, v));
    else if (a == "--origin") o.origin = v;
    else if (a == "--label") o.label = v;
    else if (a == "--script") o.scripts = SplitComma(v);
    else if (a == "--mode") {
      if (v == "pingpong") o.mode = Mode::kPingPong;
      else if (v == "rate") o.mode = Mode::kRate;
      else Die("--mode: pingpong or rate, not " + v);
    } else if (a == "--protocol") {
      if (v == "screener") o.protocol = Protocol::kScreener;
      else if (v == "echo") o.protocol = Protocol::kEcho;
      else Die("--protocol: screener or echo, not " + v);
    } else if (a == "--choice") {
      if (v == "first") o.choice = Choice::kFirst;
      else if (v == "random") o.choice = Choice::kRandom;
      else Die("--choice: first or random, not " + v);
    } else {
      Die("unknown option " + a + " (try --help)");
    }
  }
  if (o.connections < 1) Die("--connections must be at least 1");
  if (o.mode == Mode::kRate && o.rate <= 0) Die("--rate must be positive in rate mode");
  if (o.scripts.empty()) Die("--script: no script id");
  if (o.frame_bytes < 48) o.frame_bytes = 48;
  return o;
}

// ------------------------------------------------------------ JSON peeking
//
// The client reads only a few top-level fields of the server's frames. A
// full parse of every ~300-byte to 1 KiB frame would cost the client about as
// much CPU as the server spends on the message, so these helpers scan the
// text instead. They rely on one fact of JSON: inside a string every '"' is
// escaped, so `"key"` followed by ':' can only be a key.

// Position just after `"key"` and its ':' (whitespace allowed), or npos.
size_t ValueAt(std::string_view s, std::string_view key) {
  std::string quoted;
  quoted.reserve(key.size() + 2);
  quoted += '"';
  quoted += key;
  quoted += '"';
  for (size_t at = s.find(quoted); at != std::string_view::npos; at = s.find(quoted, at + 1)) {
    size_t p = at + quoted.size();
    while (p < s.size() && (s[p] == ' ' || s[p] == '\n' || s[p] == '\t' || s[p] == '\r')) ++p;
    if (p < s.size() && s[p] == ':') {
      ++p;
      while (p < s.size() && (s[p] == ' ' || s[p] == '\n' || s[p] == '\t' || s[p] == '\r')) ++p;
      return p;
    }
  }
  return std::string_view::npos;
}

// The raw (still escaped) contents of the string starting at s[p] == '"';
// sets `end` just past the closing quote.
std::optional<std::string_view> RawString(std::string_view s, size_t p, size_t* end) {
  if (p >= s.size() || s[p] != '"') return std::nullopt;
  for (size_t q = p + 1; q < s.size(); ++q) {
    if (s[q] == '\\') {
      ++q;
    } else if (s[q] == '"') {
      if (end) *end = q + 1;
      return s.substr(p + 1, q - p - 1);
    }
  }
  return std::nullopt;
}

std::string_view StringField(std::string_view s, std::string_view key) {
  size_t p = ValueAt(s, key);
  if (p == std::string_view::npos) return {};
  auto v = RawString(s, p, nullptr);
  return v ? *v : std::string_view{};
}

// The labels of the quick replies, raw (still escaped), so they can be put
// back into a JSON string unchanged.
void QuickReplyLabels(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  size_t p = ValueAt(s, "quick_replies");
  if (p == std::string_view::npos || p >= s.size() || s[p] != '[') return;
  int depth = 0;
  std::string_view previous;  // the last string seen, to spot the "label" key
  bool take_next = false;
  for (size_t q = p; q < s.size(); ++q) {
    char c = s[q];
    if (c == '"') {
      size_t end = 0;
      auto v = RawString(s, q, &end);
      if (!v) return;
      if (take_next) {
        out.push_back(*v);
        take_next = false;
      }
      previous = *v;
      q = end - 1;
    } else if (c == ':') {
      take_next = previous == "label";
      previous = {};
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) return;
    } else if (c == ',') {
      previous = {};
      take_next = false;
    }
  }
}

bool TrueField(std::string_view s, std::string_view key) {
  size_t p = ValueAt(s, key);
  return p != std::string_view::npos && s.compare(p, 4, "true") == 0;
}

// The integer value of `key`, or -1 when absent or not a number.
long long IntField(std::string_view s, std::string_view key) {
  size_t p = ValueAt(s, key);
  if (p == std::string_view::npos || p >= s.size() || s[p] < '0' || s[p] > '9') return -1;
  long long v = 0;
  for (; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p) v = v * 10 + (s[p] - '0');
  return v;
}

// ------------------------------------------------------------ measurement

struct Stats {
  std::vector<uint64_t> latency_ns;  // measured replies
  std::vector<uint64_t> setup_ns;    // connect + upgrade (+ start → first bot)
  std::vector<uint64_t> send_lag_ns; // rate mode: actual send − scheduled time
  uint64_t replies_in_window = 0;
  uint64_t sent_in_window = 0;
  uint64_t setup_ok = 0;
  uint64_t setup_failed = 0;
  uint64_t conns_lost = 0;  // a read or write failed after set-up
  uint64_t stray_frames = 0;
  uint64_t conversations_ended = 0;
  std::map<std::string, uint64_t> errors;  // error frames by code, failures by kind
  void Error(const std::string& kind) { ++errors[kind]; }
  uint64_t ErrorCount() const {
    uint64_t n = 0;
    for (auto& [k, v] : errors) n += v;
    return n;
  }
};

double Percentile(std::vector<uint64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) ;
  k = std::clamp<size_t>(k, 1, v.size()) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]);
}

long ReadRssKib(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// utime + stime of a process, in seconds.
double ReadCpuSeconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(all.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ------------------------------------------------------------ the client

class Load;

// One connection and its conversation. Owned by Load; lives until exit.
class Conn {
 public:
  Conn(Load& load, int index);
  void Setup();
  void OnLoadStart(TimePoint first_slot);
  void Abort();
  bool awaiting() const { return awaiting_; }
  TimePoint measure_from() const { return measure_from_; }
  bool measured() const { return measured_; }
  bool alive() const { return alive_; }

 private:
  enum class Phase { kSetup, kReady, kLoad };

  struct Next {
    enum Action { kNone, kRead, kSend } action;
    TimePoint from{};
  };
  void Read();
  Next OnFrame(std::string_view frame);
  void BuildNext(std::string_view frame);
  void Send(TimePoint measure_from, bool post_read = true);
  void Fail(const char* what, beast::error_code ec);
  void ArmSlot();
  void OnSlot();

  Load& load_;
  const int index_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  asio::steady_timer timer_;
  Phase phase_ = Phase::kSetup;
  bool alive_ = true;
  bool awaiting_ = false;
  bool measured_ = false;
  TimePoint setup_start_;
  TimePoint measure_from_;
  TimePoint next_slot_;
  std::deque<TimePoint> due_;  // rate mode: slots that came while awaiting
  std::string out_;            // the frame being written
  std::string next_;           // the next frame to send (screener protocol)
  long long id_ = 0;
  long long awaiting_id_ = -1;  // -1: the reply carries no reply_to (restart)
  std::minstd_rand rng_;
  std::vector<std::string_view> labels_;
};

class Load {
 public:
  explicit Load(const Options& o) : opt(o), ioc(1), phase_timer(ioc) {}

  int Run();

  // Shared by the connections.
  const Options& opt;
  asio::io_context ioc;
  tcp::resolver::results_type endpoints;
  Stats stats;
  TimePoint measure_start, measure_end;
  bool stopping = false;  // no new sends after the measured period
  std::string echo_frame;

  void SetupDone(bool ok, TimePoint started);
  bool InWindow(TimePoint t) const { return t >= measure_start && t < measure_end; }

 private:
  void StartMoreSetups();
  void AfterRamp();
  void StartLoad();
  void Finish();
  void DrainCheck();
  void Report(double ramp_s, long rss_before, long rss_after);

  asio::steady_timer phase_timer;
  asio::steady_timer drain_timer{ioc};
  std::vector<std::unique_ptr<Conn>> conns_;
  int next_setup_ = 0;
  int setups_in_flight_ = 0;
  int setups_done_ = 0;
  TimePoint ramp_start_, ramp_end_;
  long rss_before_ = -1, rss_after_ = -1;
  double server_cpu_start_ = 0, server_cpu_end_ = 0;
  double self_cpu_start_ = 0, self_cpu_end_ = 0;
  bool ramp_timed_out_ = false;
};

Conn::Conn(Load& load, int index)
    : load_(load), index_(index), ws_(load.ioc), timer_(load.ioc),
      rng_(static_cast<unsigned>(index) * 7919u + 1u) {}

void Conn::Fail(const char* what, beast::error_code ec) {
  if (!alive_) return;
  alive_ = false;
  timer_.cancel();
  if (phase_ == Phase::kSetup) {
    load_.stats.Error(std::string("setup_") + what);
    load_.SetupDone(false, setup_start_);
  } else if (!load_.stopping) {
    ++load_.stats.conns_lost;
    load_.stats.Error(std::string(what) + ":" + ec.message());
  }
  beast::error_code ignored;
  ws_.next_layer().close(ignored);
}

void Conn::Abort() {
  alive_ = false;
  timer_.cancel();
  beast::error_code ignored;
  // Linger 0: close with RST so no TIME_WAIT is left to eat ephemeral ports
  // over repeated runs of 10,000 connections.
  ws_.next_layer().set_option(asio::socket_base::linger(true, 0), ignored);
  ws_.next_layer().close(ignored);
}

void Conn::Setup() {
  setup_start_ = Clock::now();
  asio::async_connect(ws_.next_layer(), load_.endpoints,
                      [this](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return Fail("connect", ec);
    ws_.next_layer().set_option(tcp::no_delay(true));
    ws_.read_message_max(1 << 20);
    ws_.auto_fragment(false);
    ws_.secure_prng(false);  // masking keys need not be secret in a benchmark
    ws_.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "screener-load");
      if (!load_.opt.origin.empty()) req.set(beast::http::field::origin, load_.opt.origin);
    }));
    std::string host = load_.opt.host + ":" + load_.opt.port;
    ws_.async_handshake(host, load_.opt.path, [this](beast::error_code ec) {
      if (ec) return Fail("handshake", ec);
      ws_.text(true);
      if (load_.opt.protocol == Protocol::kEcho) {
        phase_ = Phase::kReady;
        load_.SetupDone(true, setup_start_);
        return;
      }
      const auto& scripts = load_.opt.scripts;
      out_ = R"({"type":"start","script":")" + scripts[static_cast<size_t>(index_) % scripts.size()] +
             R"(","locale":"en","region":"US"})";
      awaiting_ = true;
      awaiting_id_ = -1;
      ws_.async_write(asio::buffer(out_), [this](beast::error_code ec, std::size_t) {
        if (ec) return Fail("write", ec);
      });
      Read();
    });
  });
}

void Conn::Read() {
  ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
    if (ec) return Fail("read", ec);
    auto data = buffer_.cdata();
    Next next = OnFrame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    // Empty the buffer before the next read starts: Beast's async_read may
    // copy a frame it already holds into the buffer as it starts.
    buffer_.consume(buffer_.size());
    switch (next.action) {
      case Next::kRead: return Read();
      case Next::kSend: return Send(next.from);
      case Next::kNone: return;
    }
  });
}

// Chooses the answer to a bot frame and keeps it in next_.
void Conn::BuildNext(std::string_view frame) {
  if (load_.opt.protocol == Protocol::kEcho) return;
  if (TrueField(frame, "ended")) {
    ++load_.stats.conversations_ended;
    next_ = R"({"type":"restart"})";
    return;
  }
  QuickReplyLabels(frame, labels_);
  std::string_view text = "yes";
  if (!labels_.empty()) {
    size_t pick = load_.opt.choice == Choice::kRandom ? rng_() % labels_.size() : 0;
    text = labels_[pick];
  }
  next_.clear();
  next_ += R"({"type":"message","text":")";
  next_ += text;
  next_ += R"(","id":)";
  next_ += "#";  // the id, filled in by Send
  next_ += "}";
}

// Takes a frame in and says what to do next; it starts no I/O itself, since
// the frame still lives in buffer_.
Conn::Next Conn::OnFrame(std::string_view frame) {
  const TimePoint now = Clock::now();
  bool is_reply = true;
  if (load_.opt.protocol == Protocol::kScreener) {
    std::string_view type = StringField(frame, "type");
    if (type == "session") {
      is_reply = false;
    } else if (type == "bot") {
      long long reply_to = IntField(frame, "reply_to");
      if (awaiting_id_ >= 0 && reply_to >= 0 && reply_to != awaiting_id_) {
        is_reply = false;
        ++load_.stats.stray_frames;
      } else {
        BuildNext(frame);
      }
    } else if (type == "error") {
      load_.stats.Error("server:" + std::string(StringField(frame, "code")));
      // The conversation goes on: answer the last bot frame again.
    } else {
      ++load_.stats.stray_frames;
      is_reply = false;
    }
  }
  if (is_reply && !awaiting_) {
    ++load_.stats.stray_frames;
    is_reply = false;
  }
  if (!is_reply) return {Next::kRead};
  awaiting_ = false;
  if (phase_ == Phase::kSetup) {
    phase_ = Phase::kReady;
    load_.SetupDone(true, setup_start_);
    return {Next::kNone};  // idle until the load starts: no read posted
  }
  if (measured_) load_.stats.latency_ns.push_back(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - measure_from_).count()));
  if (load_.InWindow(now)) ++load_.stats.replies_in_window;
  if (load_.stopping) return {Next::kNone};
  if (load_.opt.mode == Mode::kPingPong) return {Next::kSend, now};
  if (!due_.empty()) {
    TimePoint slot = due_.front();
    due_.pop_front();
    return {Next::kSend, slot};
  }
  return {Next::kRead};  // keep reading; the next slot sends
}

void Conn::Send(TimePoint measure_from, bool post_read) {
  const TimePoint now = Clock::now();
  measure_from_ = measure_from;
  measured_ = load_.InWindow(measure_from);
  if (measured_) {
    ++load_.stats.sent_in_window;
    if (load_.opt.mode == Mode::kRate)
      load_.stats.send_lag_ns.push_back(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - measure_from).count()));
  }
  ++id_;
  if (load_.opt.protocol == Protocol::kEcho) {
    out_ = load_.echo_frame;
    awaiting_id_ = -1;
  } else {
    out_ = next_;
    size_t hash = out_.find("\"id\":#");
    if (hash != std::string::npos) {
      out_.replace(hash + 5, 1, std::to_string(id_));
      awaiting_id_ = id_;
    } else {
      awaiting_id_ = -1;  // restart: its bot frame has no reply_to
    }
  }
  awaiting_ = true;
  ws_.async_write(asio::buffer(out_), [this](beast::error_code ec, std::size_t) {
    if (ec) return Fail("write", ec);
  });
  if (post_read) Read();
}

void Conn::OnLoadStart(TimePoint first_slot) {
  if (!alive_) return;
  phase_ = Phase::kLoad;
  if (load_.opt.protocol == Protocol::kScreener && next_.empty()) next_ = R"({"type":"restart"})";
  if (load_.opt.mode == Mode::kPingPong) return Send(Clock::now());
  next_slot_ = first_slot;
  Read();
  ArmSlot();
}

void Conn::ArmSlot() {
  timer_.expires_at(next_slot_);
  timer_.async_wait([this](beast::error_code ec) {
    if (ec || !alive_) return;
    OnSlot();
  });
}

void Conn::OnSlot() {
  if (load_.stopping) return;
  const TimePoint slot = next_slot_;
  const auto interval = std::chrono::duration<double>(load_.opt.connections / load_.opt.rate);
  next_slot_ += std::chrono::duration_cast<Clock::duration>(interval);
  if (awaiting_) {
    due_.push_back(slot);  // sent when the reply comes, timed from `slot`
  } else {
    Send(slot, /*post_read=*/false);  // a read is already posted
  }
  ArmSlot();
}

void Load::SetupDone(bool ok, TimePoint started) {
  --setups_in_flight_;
  ++setups_done_;
  if (ok) {
    ++stats.setup_ok;
    stats.setup_ns.push_back(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count()));
  } else {
    ++stats.setup_failed;
  }
  if (setups_done_ == opt.connections) {
    ramp_end_ = Clock::now();
    phase_timer.cancel();
    AfterRamp();
    return;
  }
  StartMoreSetups();
}

void Load::StartMoreSetups() {
  while (next_setup_ < opt.connections && setups_in_flight_ < opt.ramp_concurrency) {
    ++setups_in_flight_;
    conns_[static_cast<size_t>(next_setup_++)]->Setup();
  }
}

void Load::AfterRamp() {
  // Let the server settle with every connection open and idle, then read RSS.
  phase_timer.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt.idle_before_rss_s)));
  phase_timer.async_wait([this](beast::error_code) {
    if (opt.server_pid > 0) rss_after_ = ReadRssKib(opt.server_pid);
    StartLoad();
  });
}

void Load::StartLoad() {
  const TimePoint start = Clock::now();
  measure_start = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.warmup_s));
  measure_end = measure_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.duration_s));
  for (size_t i = 0; i < conns_.size(); ++i) {
    // Rate mode: connection i's first slot is i/rate after the start, so the
    // offered load is even from the first second.
    auto offset = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(opt.mode == Mode::kRate ? static_cast<double>(i) / opt.rate : 0.0));
    conns_[i]->OnLoadStart(start + offset);
  }
  phase_timer.expires_at(measure_start);
  phase_timer.async_wait([this](beast::error_code) {
    self_cpu_start_ = SelfCpuSeconds();
    if (opt.server_pid > 0) server_cpu_start_ = ReadCpuSeconds(opt.server_pid);
    phase_timer.expires_at(measure_end);
    phase_timer.async_wait([this](beast::error_code) {
      self_cpu_end_ = SelfCpuSeconds();
      if (opt.server_pid > 0) server_cpu_end_ = ReadCpuSeconds(opt.server_pid);
      stopping = true;
      // Wait for the replies still outstanding, then stop.
      phase_timer.expires_after(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(opt.drain_s)));
      phase_timer.async_wait([this](beast::error_code ec) {
        if (!ec) Finish();
      });
      DrainCheck();
    });
  });
}

// Ends the drain early once no measured message awaits its reply.
void Load::DrainCheck() {
  bool waiting = false;
  for (auto& c : conns_) {
    if (c->alive() && c->awaiting() && c->measured()) {
      waiting = true;
      break;
    }
  }
  if (!waiting) {
    phase_timer.cancel();
    return Finish();
  }
  drain_timer.expires_after(std::chrono::milliseconds(10));
  drain_timer.async_wait([this](beast::error_code ec) {
    if (!ec) DrainCheck();
  });
}

void Load::Finish() {
  drain_timer.cancel();
  for (auto& c : conns_) c->Abort();
  ioc.stop();
}

int Load::Run() {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rlim_t want = static_cast<rlim_t>(opt.connections) + 64;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = std::min(want, rl.rlim_max);
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < want)
      Die("RLIMIT_NOFILE hard limit " + std::to_string(rl.rlim_max) + " is below the " +
          std::to_string(want) + " descriptors needed (raise it with ulimit -Hn as root)");
  }
  if (opt.protocol == Protocol::kEcho) {
    echo_frame = R"({"type":"message","text":")";
    const std::string tail = R"(","id":1})";
    size_t pad = static_cast<size_t>(opt.frame_bytes) - echo_frame.size() - tail.size();
    static const char kWords[] = "i have been feeling a bit flat lately and not sure why ";
    for (size_t i = 0; i < pad; ++i) echo_frame += kWords[i % (sizeof kWords - 1)];
    echo_frame += tail;
  }
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  endpoints = resolver.resolve(opt.host, opt.port, ec);
  if (ec) Die("cannot resolve " + opt.host + ":" + opt.port + ": " + ec.message());

  stats.latency_ns.reserve(1 << 20);
  stats.setup_ns.reserve(static_cast<size_t>(opt.connections));
  conns_.reserve(static_cast<size_t>(opt.connections));
  for (int i = 0; i < opt.connections; ++i) conns_.push_back(std::make_unique<Conn>(*this, i));

  if (opt.server_pid > 0) {
    rss_before_ = ReadRssKib(opt.server_pid);
    if (rss_before_ < 0) Die("cannot read /proc/" + std::to_string(opt.server_pid) + "/status");
  }
  ramp_start_ = Clock::now();
  phase_timer.expires_after(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opt.ramp_timeout_s)));
  phase_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;  // the ramp finished in time
    ramp_timed_out_ = true;
    ramp_end_ = Clock::now();
    stats.Error("setup_timeout");
    Finish();
  });
  StartMoreSetups();
  ioc.run();
  Report(std::chrono::duration<double>(ramp_end_ - ramp_start_).count(), rss_before_, rss_after_);
  return stats.ErrorCount() == 0 && !ramp_timed_out_ ? 0 : 1;
}

void Load::Report(double ramp_s, long rss_before, long rss_after) {
  const char* protocol = opt.protocol == Protocol::kEcho ? "echo" : "screener";
  const char* mode = opt.mode == Mode::kRate ? "rate" : "pingpong";
  std::printf("screener-load: ws://%s:%s%s protocol=%s mode=%s connections=%d warmup=%gs duration=%gs",
              opt.host.c_str(), opt.port.c_str(), opt.path.c_str(), protocol, mode, opt.connections,
              opt.warmup_s, opt.duration_s);
  if (opt.mode == Mode::kRate) std::printf(" rate=%g/s", opt.rate);
  std::printf("\n");

  double setup_rate = ramp_s > 0 ? static_cast<double>(stats.setup_ok) / ramp_s : 0;
  double setup_p50 = Percentile(stats.setup_ns, 50) / 1e6, setup_max = Percentile(stats.setup_ns, 100) / 1e6;
  std::printf("set-up:  %llu of %d connections in %.3f s = %.0f sessions/s (each: p50 %.2f ms, max %.2f ms)%s\n",
              static_cast<unsigned long long>(stats.setup_ok), opt.connections, ramp_s, setup_rate, setup_p50,
              setup_max, ramp_timed_out_ ? "  RAMP TIMED OUT" : "");
  double rss_per_conn = -1;
  if (rss_before >= 0 && rss_after >= 0 && stats.setup_ok > 0) {
    rss_per_conn = static_cast<double>(rss_after - rss_before) / static_cast<double>(stats.setup_ok);
    std::printf("memory:  server RSS %ld KiB before, %ld KiB with %llu idle connections = %.2f KiB per connection\n",
                rss_before, rss_after, static_cast<unsigned long long>(stats.setup_ok), rss_per_conn);
  }

  // Messages sent in the window and never answered, and the oldest of them.
  uint64_t unanswered = 0;
  double oldest_ms = 0;
  const TimePoint now = Clock::now();
  for (auto& c : conns_) {
    if (c->awaiting() && c->measured()) {
      ++unanswered;
      oldest_ms = std::max(oldest_ms, std::chrono::duration<double, std::milli>(now - c->measure_from()).count());
    }
  }
  double rate = opt.duration_s > 0 ? static_cast<double>(stats.replies_in_window) / opt.duration_s : 0;
  auto& lat = stats.latency_ns;
  double p50 = Percentile(lat, 50) / 1e6, p99 = Percentile(lat, 99) / 1e6, p999 = Percentile(lat, 99.9) / 1e6,
         pmax = Percentile(lat, 100) / 1e6;
  std::printf("load:    %.0f msg/s (%llu replies in %gs; %llu conversations ended)\n", rate,
              static_cast<unsigned long long>(stats.replies_in_window), opt.duration_s,
              static_cast<unsigned long long>(stats.conversations_ended));
  std::printf("latency: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%zu samples)\n", p50, p99, p999, pmax,
              lat.size());
  if (unanswered) std::printf("         %llu measured messages unanswered after the drain, oldest %.0f ms\n",
                              static_cast<unsigned long long>(unanswered), oldest_ms);
  double lag_p99 = 0, lag_max = 0;
  if (opt.mode == Mode::kRate) {
    lag_p99 = Percentile(stats.send_lag_ns, 99) / 1e6;
    lag_max = Percentile(stats.send_lag_ns, 100) / 1e6;
    std::printf("client:  send lag behind schedule p99 %.3f ms, max %.3f ms (included in the latency)\n", lag_p99,
                lag_max);
  }
  double window = std::max(1e-9, opt.duration_s);
  double client_cpu = 100.0 * (self_cpu_end_ - self_cpu_start_) / window;
  double server_cpu = opt.server_pid > 0 ? 100.0 * (server_cpu_end_ - server_cpu_start_) / window : -1;
  std::printf("cpu:     client %.0f %%", client_cpu);
  if (server_cpu >= 0) std::printf(", server %.0f %%", server_cpu);
  std::printf(" of one core during the measured period\n");
  std::printf("errors:  %llu", static_cast<unsigned long long>(stats.ErrorCount()));
  for (auto& [k, v] : stats.errors) std::printf(" %s=%llu", k.c_str(), static_cast<unsigned long long>(v));
  std::printf("; connections lost %llu; stray frames %llu\n", static_cast<unsigned long long>(stats.conns_lost),
              static_cast<unsigned long long>(stats.stray_frames));

  std::printf("RESULT label=%s protocol=%s mode=%s connections=%d offered=%g msgs_per_s=%.0f p50_ms=%.3f "
              "p99_ms=%.3f p999_ms=%.3f max_ms=%.3f unanswered=%llu oldest_unanswered_ms=%.0f "
              "setup_per_s=%.0f setup_ok=%llu rss_kib_per_conn=%.2f errors=%llu lost=%llu client_cpu=%.0f "
              "server_cpu=%.0f send_lag_max_ms=%.3f\n",
              opt.label.empty() ? "-" : opt.label.c_str(), protocol, mode, opt.connections,
              opt.mode == Mode::kRate ? opt.rate : 0.0, rate, p50, p99, p999, pmax,
              static_cast<unsigned long long>(unanswered), oldest_ms, setup_rate,
              static_cast<unsigned long long>(stats.setup_ok), rss_per_conn,
              static_cast<unsigned long long>(stats.ErrorCount()),
              static_cast<unsigned long long>(stats.conns_lost), client_cpu, server_cpu, lag_max);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options = ParseOptions(argc, argv);
  Load load(options);
  return load.Run();
}
