// The defences of docs/security.md that had no test of their own: token
// entropy and format, tokens never read from or put in URLs, a session id
// (which is in logs) resumes nothing, security headers on every response
// (including errors and the WebSocket handshake), and oversized headers.
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "server/token.h"
#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

std::vector<unsigned char> Base64UrlDecode(const std::string& s) {
  std::string b64 = s;
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b64.size() % 4) b64 += '=';
  std::vector<unsigned char> out(b64.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return {};
  out.resize(static_cast<size_t>(n) - (b64.size() - s.size()));  // padding decodes to zero bytes
  return out;
}

// 128 bits each, every bit position fair, no repeats in 20,000: a token
// from a counter, a clock or a weak generator fails one of these.
TEST(Security, TokensAre128UniformBitsInBase64Url) {
  constexpr int kTokens = 20000;
  std::set<std::string> seen;
  std::array<int, 128> ones{};
  for (int i = 0; i < kTokens; ++i) {
    std::string t = NewToken();
    ASSERT_EQ(t.size(), 22u);
    for (char c : t) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    // 22 characters carry 132 bits: the last one only 2, so it is one of 4.
    ASSERT_NE(std::string("AQgw").find(t.back()), std::string::npos) << t;
    std::vector<unsigned char> bytes = Base64UrlDecode(t);
    ASSERT_EQ(bytes.size(), 16u) << t;
    for (int bit = 0; bit < 128; ++bit) ones[bit] += (bytes[bit / 8] >> (bit % 8)) & 1;
    ASSERT_TRUE(seen.insert(t).second) << "repeated token";
  }
  // Binomial(20000, 0.5): sd ≈ 71; 6 sd either side never fails by chance.
  for (int bit = 0; bit < 128; ++bit) {
    EXPECT_NEAR(ones[bit], kTokens / 2, 430) << "bit " << bit;
  }
}

TEST(Security, TokenComparisonIsExactForEveryLength) {
  // CRYPTO_memcmp under the hood (server/token.cc); here: exact semantics.
  std::string a = TokenHash("a"), b = a;
  EXPECT_TRUE(ConstantTimeEquals(a, b));
  for (size_t i = 0; i < a.size(); ++i) {
    b = a;
    b[i] = b[i] == '0' ? '1' : '0';
    EXPECT_FALSE(ConstantTimeEquals(a, b)) << i;
  }
  EXPECT_FALSE(ConstantTimeEquals(a, a.substr(0, 63)));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

// The server takes a token only from a resume frame: one in the URL of the
// upgrade is ignored (and so never lands in a proxy's access log as a key
// that works), and the widget never puts it in one.
TEST(Security, TokensNeverTravelInUrls) {
  TempDir dir;
  TestServer s(dir.path());
  std::string token;
  {
    WsClient c;
    ASSERT_TRUE(c.Connect(s.port()));
    c.Send({{"type", "start"}, {"script", "emotional-numbness"}});
    token = c.Expect("session")["token"];
    c.Expect("bot");
    c.Drop();
  }
  // A raw upgrade to /ws?token=...: the connection has no conversation.
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port()));
  ws.handshake("127.0.0.1:" + std::to_string(s.port()), "/ws?token=" + token);
  ws.write(net::buffer(json{{"type", "message"}, {"text", "yes"}}.dump()));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(json::parse(beast::buffers_to_string(buffer.data()))["code"], "no_conversation");
  ws.close(websocket::close_code::normal);
  // The token still resumes (nothing above consumed it), and it is in no log line.
  WsClient d;
  ASSERT_TRUE(d.Connect(s.port()));
  d.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(d.Expect("session")["resumed"], true);
  EXPECT_EQ(s.capture.text().find(token), std::string::npos);
  // The widget sends the token in a frame, never in a URL.
  std::string widget = ReadFile("web/widget.js");
  ASSERT_FALSE(widget.empty());
  EXPECT_EQ(widget.find("token="), std::string::npos);
  EXPECT_EQ(widget.find("?token"), std::string::npos);
}

// The session id is not secret (logs, events, file names): it resumes nothing.
TEST(Security, ASessionIdFromTheLogsResumesNothing) {
  TempDir dir;
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  c.Send({{"type", "start"}, {"script", "emotional-numbness"}});
  c.Expect("session");
  c.Expect("bot");
  s.server->registry().Flush();
  std::vector<json> records = SavedRecords(dir.path());
  ASSERT_EQ(records.size(), 1u);
  std::string id = records[0].value("id", "");
  ASSERT_EQ(id.size(), 16u);
  WsClient e;
  ASSERT_TRUE(e.Connect(s.port()));
  for (const std::string& guess : {id, id + id, TokenHash(id), std::string(22, 'A')}) {
    e.Send({{"type", "resume"}, {"token", guess}});
    EXPECT_EQ(e.Expect("error")["code"], "session_expired") << guess;
  }
  // The saved record holds the token's hash, never a token.
  EXPECT_EQ(records[0]["token_hash"].get<std::string>().size(), 64u);
}

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
};

// Sends `request` as is and reads one response head.
RawResponse Raw(uint16_t port, const std::string& request) {
  RawResponse r;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return r;
  stream.expires_after(5s);
  net::write(stream.socket(), net::buffer(request), ec);
  if (ec) return r;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(true);  // head only (the 101 has no body)
  http::read_header(stream.socket(), buffer, parser, ec);
  if (ec) return r;
  r.status = parser.get().result_int();
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers[name] = std::string(f.value());
  }
  return r;
}

TEST(Security, EveryResponseCarriesTheSecurityHeadersAndNoBanner) {
  TempDir dir;
  ServerOptions o;
  o.web = "web";
  o.max_connections = 1;
  TestServer s(dir.path(), o);
  uint16_t port = s.port();
  std::string host = "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  std::string upgrade =
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n";
  struct Case {
    std::string name, request;
    int status;
  };
  std::vector<Case> cases = {
      {"page", "GET / HTTP/1.1\r\n" + host + "\r\n", 200},
      {"widget", "GET /widget.js HTTP/1.1\r\n" + host + "\r\n", 200},
      {"head", "HEAD / HTTP/1.1\r\n" + host + "\r\n", 200},
      {"healthz", "GET /healthz HTTP/1.1\r\n" + host + "\r\n", 200},
      {"readyz", "GET /readyz HTTP/1.1\r\n" + host + "\r\n", 200},
      {"version", "GET /version HTTP/1.1\r\n" + host + "\r\n", 200},
      {"metrics", "GET /metrics HTTP/1.1\r\n" + host + "\r\n", 200},
      {"404", "GET /nope.html HTTP/1.1\r\n" + host + "\r\n", 404},
      {"400", "GET /%2e%2e/etc/passwd HTTP/1.1\r\n" + host + "\r\n", 400},
      {"405", "POST /healthz HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", 405},
      {"426", "GET /ws HTTP/1.1\r\n" + host + "\r\n", 426},
      {"403 origin", "GET /ws HTTP/1.1\r\n" + host + upgrade + "Origin: https://evil.example\r\n\r\n", 403},
      {"404 upgrade", "GET /elsewhere HTTP/1.1\r\n" + host + upgrade + "\r\n", 404},
      {"101", "GET /ws HTTP/1.1\r\n" + host + upgrade + "\r\n", 101},
  };
  // Kept open: the one connection the cap allows, so the next upgrade gets 503.
  WsClient holder;
  for (const Case& c : cases) {
    RawResponse r = Raw(port, c.request);
    EXPECT_EQ(r.status, c.status) << c.name;
    if (c.status != 101) {
      EXPECT_EQ(r.headers.count("server"), 0u) << c.name << ": " << r.headers["server"];
      EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << c.name;
      EXPECT_EQ(r.headers["referrer-policy"], "no-referrer") << c.name;
    }
    if (c.status == 101) {
      // Beast re-adds its own banner when the field is removed: a bare name, no version.
      EXPECT_EQ(r.headers["server"], "screener");
    }
    if (r.headers["content-type"].rfind("text/html", 0) == 0) {
      std::string csp = r.headers["content-security-policy"];
      EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << c.name << ": " << csp;
      EXPECT_NE(csp.find("object-src 'none'"), std::string::npos) << c.name;
      EXPECT_NE(csp.find("frame-ancestors"), std::string::npos) << c.name;
    }
  }
  auto open_becomes = [&](int64_t n) {
    for (int i = 0; i < 250 && s.server->metrics().connections_open.load() != n; ++i) std::this_thread::sleep_for(20ms);
    return s.server->metrics().connections_open.load() == n;
  };
  ASSERT_TRUE(open_becomes(0));  // the 101 above has gone
  ASSERT_TRUE(holder.Connect(port));
  ASSERT_TRUE(open_becomes(1));
  RawResponse full = Raw(port, "GET /ws HTTP/1.1\r\n" + host + upgrade + "\r\n");
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(full.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(full.headers.count("server"), 0u);
}

TEST(Security, OversizedRequestHeadersAreRefused) {
  TempDir dir;
  TestServer s(dir.path());
  std::string big(16 * 1024, 'a');
  RawResponse r = Raw(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
  EXPECT_NE(r.status, 200);
  EXPECT_EQ(HttpRequest(s.port(), "/healthz").status, 200);  // and the server is fine
}

}  // namespace
}  // namespace screener::server::testing
