// libFuzzer: the HTTP request path without sockets. The bytes are parsed as
// a request by Beast's parser with the server's limits (8 KiB of headers,
// 8 KiB of body), fed in two pieces; a complete request is routed by
// RouteRequest (server/http_util.h) exactly as the server routes it, and the
// bytes are also tried as a bare target. Invariants: a static file path is
// relative, has no "." or ".." segment, no hidden name, no backslash, no
// control byte, no empty segment; a WebSocket route means an upgrade of /ws
// whose Origin passed OriginAllowed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/http_util.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace screener::server;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckRelative(const std::string& file) {
  Check(!file.empty() && file.front() != '/' && file.back() != '/');
  size_t start = 0;
  while (start <= file.size()) {
    size_t end = file.find('/', start);
    if (end == std::string::npos) end = file.size();
    std::string_view seg(file.data() + start, end - start);
    Check(!seg.empty() && seg.front() != '.');
    for (char c : seg) Check(c != '\\' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    start = end + 1;
  }
}

void CheckRoute(const RouteDecision& d, std::string_view target, bool upgrade, std::string_view origin,
                std::string_view host, const std::vector<std::string>& allowed, bool tls) {
  if (d.route == Route::kStaticFile) CheckRelative(d.file);
  if (d.route != Route::kStaticFile) Check(d.file.empty());
  if (d.route == Route::kWebSocket) {
    Check(upgrade && target.substr(0, target.find('?')) == "/ws" && OriginAllowed(origin, host, allowed, tls));
  }
  if (!upgrade) Check(d.route != Route::kWebSocket && d.route != Route::kOriginRefused);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool tls = data[0] & 1;
  size_t split = size > 1 ? data[0] % size : 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<std::string> allowed = {"https://www.example.org", "http://localhost:3000"};

  // The bytes as a bare request target.
  if (auto file = SafeRelativePath(bytes)) CheckRelative(*file);
  for (bool upgrade : {false, true}) {
    RouteDecision d = RouteRequest("GET", bytes, upgrade, bytes, "127.0.0.1:8080", allowed, tls);
    CheckRoute(d, bytes, upgrade, bytes, "127.0.0.1:8080", allowed, tls);
  }

  // The bytes as a whole request, in two pieces.
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(8 * 1024);
  parser.eager(true);
  beast::error_code ec;
  split = std::min(split, bytes.size());
  std::string buffered;  // what the parser has not consumed yet, as a socket read loop keeps it
  for (std::string_view piece : {bytes.substr(0, split), bytes.substr(split)}) {
    buffered.append(piece);
    while (!ec && !buffered.empty() && !parser.is_done()) {
      size_t n = parser.put(boost::asio::buffer(buffered), ec);
      if (ec == http::error::need_more) ec = {};
      buffered.erase(0, n);
      if (n == 0) break;
    }
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  bool upgrade = beast::websocket::is_upgrade(req);
  std::string_view origin = req[http::field::origin];
  std::string_view host = req[http::field::host];
  RouteDecision d = RouteRequest(req.method_string(), req.target(), upgrade, origin, host, allowed, tls);
  CheckRoute(d, req.target(), upgrade, origin, host, allowed, tls);
  return 0;
}
