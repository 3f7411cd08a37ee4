// screener-soak: many WebSocket clients against a running screener-server
// for a bounded time, doing real conversations mixed with abuse, and
// checking what must hold (docs/reliability.md):
//   - every reply arrives (none waits longer than --reply-timeout);
//   - a conversation resumed after an abrupt disconnect or an oversized
//     frame comes back at exactly the turn the client last saw (none lost);
//   - malformed and binary frames get error frames, oversized ones a 1009
//     close, and the conversation goes on;
//   - the server's RSS (--server-pid) after the warm-up grows less than
//     --rss-growth-mib.
// Each client, on one io_context (one thread): connect, start (or resume),
// then actions with a think time of 200-600 ms (inside the default rate
// limit): mostly answers (a quick reply's label, or "no"), sometimes a crisis
// sentence, a malformed frame, a binary frame, an oversized frame, or an
// abrupt disconnect (then reconnect and resume). Prints p50/p99/p99.9/max
// reply latency, counts, RSS, and a last line "RESULT ok=1 ..." ; exits 1 if
// any check failed.
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace net::experimental::awaitable_operators;

namespace {

struct Config {
  int clients = 300;
  int seconds = 30;
  int warmup = 10;  // RSS baseline taken after this many seconds
  int port = 8080;
  int server_pid = 0;
  double rss_growth_mib = 64;
  int reply_timeout_ms = 5000;
};

struct Stats {
  uint64_t conversations = 0, messages = 0, crisis = 0, malformed = 0, binary = 0, oversized = 0, drops = 0;
  uint64_t resumes = 0, lost = 0, timeouts = 0, unexpected = 0, connect_failures = 0, closes_1009 = 0;
  std::vector<uint32_t> latency_us;         // ordinary turns
  std::vector<uint32_t> crisis_latency_us;  // crisis turns: the escalation is fsynced first
  std::vector<std::string> problems;  // the first few, for the report
  void Problem(std::string what) {
    if (problems.size() < 10) problems.push_back(std::move(what));
  }
};

Config config;
Stats stats;
Clock::time_point deadline;

long RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

using Ws = websocket::stream<tcp::socket>;

// Reads one frame within the reply timeout. Returns the error (timeout:
// net::error::timed_out, and the stream is then unusable).
net::awaitable<beast::error_code> ReadFrame(Ws& ws, beast::flat_buffer& buffer) {
  buffer.clear();
  net::steady_timer timer(co_await net::this_coro::executor, std::chrono::milliseconds(config.reply_timeout_ms));
  auto result = co_await (ws.async_read(buffer, net::as_tuple(net::use_awaitable)) ||
                          timer.async_wait(net::as_tuple(net::use_awaitable)));
  if (result.index() == 1) {
    beast::error_code ignored;
    ws.next_layer().close(ignored);
    co_return net::error::timed_out;
  }
  co_return std::get<0>(std::get<0>(result));
}

net::awaitable<beast::error_code> Write(Ws& ws, const std::string& text, bool binary = false) {
  ws.binary(binary);
  auto result = co_await ws.async_write(net::buffer(text), net::as_tuple(net::use_awaitable));
  co_return std::get<0>(result);
}

json Parse(const beast::flat_buffer& buffer) {
  return json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
}

const char* kCrisis[] = {"I want to kill myself", "honestly i might end my life tonight",
                         "no point going on, i have the pills ready"};

net::awaitable<void> Client(int index, tcp::endpoint endpoint) {
  std::mt19937 rng(static_cast<unsigned>(index) * 7919u + 1);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  net::steady_timer sleeper(co_await net::this_coro::executor);
  // Spread the first connects over the first seconds.
  sleeper.expires_after(std::chrono::milliseconds(rng() % (100 + config.clients * 2)));
  co_await sleeper.async_wait(net::as_tuple(net::use_awaitable));

  std::string token;
  json last_bot;  // the last turn this client saw
  int64_t next_id = 1;
  beast::flat_buffer buffer;
  while (Clock::now() < deadline) {
    Ws ws(co_await net::this_coro::executor);
    // (No structured bindings of co_await results: g++ 12 rejects them.)
    beast::error_code cec =
        std::get<0>(co_await ws.next_layer().async_connect(endpoint, net::as_tuple(net::use_awaitable)));
    if (!cec) {
      cec = std::get<0>(co_await ws.async_handshake("127.0.0.1:" + std::to_string(config.port), "/ws",
                                                    net::as_tuple(net::use_awaitable)));
    }
    if (cec) {
      ++stats.connect_failures;
      stats.Problem("connect: " + cec.message());
      sleeper.expires_after(std::chrono::milliseconds(200));
      co_await sleeper.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    ws.text(true);
    // start, or resume what the last connection left.
    bool resuming = !token.empty();
    // (Frames are built before co_await: g++ 12 miscompiles an initializer
    // list inside a co_await expression.)
    std::string opening = resuming ? json{{"type", "resume"}, {"token", token}}.dump()
                                   : json{{"type", "start"}, {"script", "emotional-numbness"}, {"region", "US"}}.dump();
    if (co_await Write(ws, opening)) {
      ++stats.unexpected;
      continue;
    }
    beast::error_code ec = co_await ReadFrame(ws, buffer);
    json session = ec ? json() : Parse(buffer);
    if (ec || session.value("type", "") != "session") {
      ec == net::error::timed_out ? ++stats.timeouts : ++stats.unexpected;
      stats.Problem("no session frame: " + (ec ? ec.message() : session.dump()));
      if (resuming) ++stats.lost;
      token.clear();
      continue;
    }
    token = session.value("token", "");
    ec = co_await ReadFrame(ws, buffer);
    json bot = ec ? json() : Parse(buffer);
    if (ec || bot.value("type", "") != "bot") {
      ec == net::error::timed_out ? ++stats.timeouts : ++stats.unexpected;
      stats.Problem("no bot frame after session: " + (ec ? ec.message() : bot.dump()));
      continue;
    }
    if (resuming) {
      ++stats.resumes;
      if (bot.value("state", "") != last_bot.value("state", "") || bot["messages"] != last_bot["messages"]) {
        ++stats.lost;
        stats.Problem("resumed at " + bot.value("state", "") + ", expected " + last_bot.value("state", ""));
      }
    } else {
      ++stats.conversations;
    }
    last_bot = bot;

    bool reconnect = false;
    while (!reconnect && Clock::now() < deadline) {
      sleeper.expires_after(std::chrono::milliseconds(200 + rng() % 400));
      co_await sleeper.async_wait(net::as_tuple(net::use_awaitable));
      if (Clock::now() >= deadline) break;
      if (chance(0.02)) {  // vanish: no close frame
        ++stats.drops;
        beast::error_code ignored;
        ws.next_layer().close(ignored);
        reconnect = true;
        break;
      }
      if (chance(0.01)) {  // oversized: the server closes with 1009
        ++stats.oversized;
        std::string big(8192, 'x');
        ec = co_await Write(ws, big);
        if (!ec) ec = co_await ReadFrame(ws, buffer);
        // The server closes with 1009 on the frame header, often before our
        // write of the payload is done: a reset or broken pipe is the same
        // refusal. Only an answer (the frame accepted) or a timeout is wrong.
        if (ec == websocket::error::closed && ws.reason().code == websocket::close_code::too_big) {
          ++stats.closes_1009;
        } else if (!ec) {
          ++stats.unexpected;
          stats.Problem("oversized frame answered: " + beast::buffers_to_string(buffer.data()).substr(0, 100));
        } else if (ec == net::error::timed_out) {
          ++stats.timeouts;
          stats.Problem("oversized frame: no close within the reply timeout");
        }
        reconnect = true;
        break;
      }
      if (chance(0.03) || chance(0.02)) {  // malformed JSON, or a binary frame
        bool binary = chance(0.4);
        binary ? ++stats.binary : ++stats.malformed;
        std::string bad = binary ? std::string("\x01\x02\x03") : std::string("{\"type\":\"message\",\"te");
        co_await Write(ws, bad, binary);
        ec = co_await ReadFrame(ws, buffer);
        json e = ec ? json() : Parse(buffer);
        if (ec || e.value("type", "") != "error") {
          ec == net::error::timed_out ? ++stats.timeouts : ++stats.unexpected;
          stats.Problem("bad frame not answered with an error: " + (ec ? ec.message() : e.dump()));
          reconnect = true;
        }
        continue;
      }
      // A real turn: restart an ended conversation, otherwise answer.
      json frame;
      bool crisis_turn = false;
      int64_t id = next_id++;
      if (last_bot.value("ended", false)) {
        frame = {{"type", "restart"}};
        id = -1;
      } else {
        std::string text = "no";
        if (chance(0.005)) {
          crisis_turn = true;
          text = kCrisis[rng() % 3];
          ++stats.crisis;
        } else if (last_bot.contains("quick_replies") && !last_bot["quick_replies"].empty()) {
          const json& q = last_bot["quick_replies"];
          text = q[rng() % q.size()].value("label", "no");
        }
        frame = {{"type", "message"}, {"text", text}, {"id", id}};
      }
      auto sent = Clock::now();
      std::string text = frame.dump();
      if (co_await Write(ws, text)) {
        ++stats.unexpected;
        reconnect = true;
        break;
      }
      ++stats.messages;
      // Skip nothing: the next frame must be this turn's bot frame.
      ec = co_await ReadFrame(ws, buffer);
      json reply = ec ? json() : Parse(buffer);
      if (ec || reply.value("type", "") != "bot" || (id >= 0 && reply.value("reply_to", int64_t{-2}) != id)) {
        ec == net::error::timed_out ? ++stats.timeouts : ++stats.unexpected;
        stats.Problem("turn: " + (ec ? ec.message() : reply.dump().substr(0, 200)));
        reconnect = true;
        break;
      }
      (crisis_turn ? stats.crisis_latency_us : stats.latency_us)
          .push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count()));
      last_bot = reply;
    }
    if (!reconnect) {
      co_await ws.async_close(websocket::close_code::normal, net::as_tuple(net::use_awaitable));
    }
  }
}

double Percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    double value = std::atof(argv[i + 1]);
    if (flag == "--clients") config.clients = static_cast<int>(value);
    else if (flag == "--seconds") config.seconds = static_cast<int>(value);
    else if (flag == "--warmup") config.warmup = static_cast<int>(value);
    else if (flag == "--port") config.port = static_cast<int>(value);
    else if (flag == "--server-pid") config.server_pid = static_cast<int>(value);
    else if (flag == "--rss-growth-mib") config.rss_growth_mib = value;
    else if (flag == "--reply-timeout-ms") config.reply_timeout_ms = static_cast<int>(value);
    else {
      std::fprintf(stderr, "screener-soak: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  net::io_context ioc(1);
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(config.port));
  auto start = Clock::now();
  deadline = start + std::chrono::seconds(config.seconds);
  for (int i = 0; i < config.clients; ++i) net::co_spawn(ioc, Client(i, endpoint), net::detached);

  // RSS: the baseline after the warm-up, the peak after it, and the end.
  long rss_start = config.server_pid ? RssKiB(config.server_pid) : -1, rss_warm = -1, rss_peak = -1, rss_end = -1;
  bool server_died = false;
  net::steady_timer sampler(ioc);
  std::function<void()> sample = [&] {
    sampler.expires_after(std::chrono::seconds(1));
    sampler.async_wait([&](beast::error_code ec) {
      if (ec || !config.server_pid) return;
      long rss = RssKiB(config.server_pid);
      if (rss < 0) server_died = true;
      auto elapsed = Clock::now() - start;
      if (elapsed >= std::chrono::seconds(config.warmup)) {
        if (rss_warm < 0) rss_warm = rss;
        rss_peak = std::max(rss_peak, rss);
      }
      rss_end = rss;
      if (Clock::now() < deadline) sample();
    });
  };
  sample();
  ioc.run();
  if (config.server_pid) rss_end = RssKiB(config.server_pid);
  if (rss_end < 0 && config.server_pid) server_died = true;

  double p50 = Percentile(stats.latency_us, 0.5), p99 = Percentile(stats.latency_us, 0.99),
         p999 = Percentile(stats.latency_us, 0.999), max = Percentile(stats.latency_us, 1.0);
  double growth_mib = rss_warm > 0 ? (std::max(rss_peak, rss_end) - rss_warm) / 1024.0 : 0;
  bool ok = !server_died && stats.lost == 0 && stats.timeouts == 0 && stats.unexpected == 0 &&
            stats.connect_failures == 0 && growth_mib <= config.rss_growth_mib && stats.messages > 0;
  std::printf("clients %d, %d s (warm-up %d s)\n", config.clients, config.seconds, config.warmup);
  std::printf("conversations %llu, turns %llu, crisis %llu, malformed %llu, binary %llu, oversized %llu (1009: %llu), "
              "drops %llu, resumes %llu\n",
              (unsigned long long)stats.conversations, (unsigned long long)stats.messages,
              (unsigned long long)stats.crisis, (unsigned long long)stats.malformed, (unsigned long long)stats.binary,
              (unsigned long long)stats.oversized, (unsigned long long)stats.closes_1009,
              (unsigned long long)stats.drops, (unsigned long long)stats.resumes);
  std::printf("lost %llu, reply timeouts %llu, unexpected %llu, connect failures %llu\n",
              (unsigned long long)stats.lost, (unsigned long long)stats.timeouts,
              (unsigned long long)stats.unexpected, (unsigned long long)stats.connect_failures);
  std::printf("reply latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", p50, p99, p999, max);
  std::printf("crisis turns (fsync of the escalation first) ms: p50 %.2f  max %.2f\n",
              Percentile(stats.crisis_latency_us, 0.5), Percentile(stats.crisis_latency_us, 1.0));
  std::printf("server RSS KiB: start %ld, after warm-up %ld, peak after %ld, end %ld; growth %.1f MiB (bound %.0f)%s\n",
              rss_start, rss_warm, rss_peak, rss_end, growth_mib, config.rss_growth_mib,
              server_died ? "; SERVER DIED" : "");
  for (const std::string& p : stats.problems) std::printf("problem: %s\n", p.c_str());
  std::printf("RESULT ok=%d clients=%d seconds=%d turns=%llu resumes=%llu lost=%llu timeouts=%llu p50_ms=%.2f "
              "p99_ms=%.2f p999_ms=%.2f max_ms=%.2f rss_growth_mib=%.1f\n",
              ok ? 1 : 0, config.clients, config.seconds, (unsigned long long)stats.messages,
              (unsigned long long)stats.resumes, (unsigned long long)stats.lost, (unsigned long long)stats.timeouts,
              p50, p99, p999, max, growth_mib);
  return ok ? 0 : 1;
}
