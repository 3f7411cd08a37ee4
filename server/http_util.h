// Small HTTP helpers with no Beast types, unit-tested on their own:
// request paths to files under the web root (no traversal, encoded or not),
// content types, and the Origin check of the WebSocket upgrade.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace screener::server {

// Maps a request target ("/css/a.css?v=2") to a path relative to the web
// root ("css/a.css"); "/" and directories end in "index.html". nullopt for
// anything that could leave the root or is not a plain file name: "..", "."
// segments, backslashes, NUL or control bytes, malformed %-escapes, or an
// encoded slash, after percent-decoding. Hidden files (".name") are refused.
std::optional<std::string> SafeRelativePath(std::string_view target);

// "text/html; charset=utf-8" for ".html", ... "application/octet-stream"
// for unknown extensions.
std::string_view ContentType(std::string_view path);

// True when the upgrade may proceed: no Origin header (a non-browser
// client), the page's origin is the server's own (Origin host[:port] equals
// the Host header, default ports normalised), or it is listed in `allowed`
// (compared case-insensitively, without a trailing slash).
bool OriginAllowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed,
                   bool tls);

// What the server does with one HTTP request, decided from its method,
// target and a few headers alone (no socket, no file system): the routing of
// connections.cc, kept here so it can be unit-tested and fuzzed
// (tests/fuzz/fuzz_http.cc).
enum class Route {
  kMethodNotAllowed,  // 405: not GET or HEAD
  kHealth,            // /healthz
  kReady,             // /readyz
  kVersion,           // /version
  kMetrics,           // /metrics
  kUpgradeRequired,   // 426: /ws without an upgrade
  kWebSocket,         // /ws upgrade with an allowed Origin
  kOriginRefused,     // 403: /ws upgrade from a page origin not allowed
  kNotFound,          // 404: an upgrade anywhere but /ws
  kBadPath,           // 400: SafeRelativePath refused the target
  kStaticFile,        // `file` under the web root (it may still not exist)
};

struct RouteDecision {
  Route route;
  std::string file;  // kStaticFile only: relative to the web root, as SafeRelativePath gives it
};

// `upgrade`: the request asks for a WebSocket (beast::websocket::is_upgrade).
RouteDecision RouteRequest(std::string_view method, std::string_view target, bool upgrade, std::string_view origin,
                           std::string_view host, const std::vector<std::string>& allowed, bool tls);

// An http:// or https:// URL split for a client (the webhook): host, port
// (default 80 or 443), and target ("/" when absent). IPv6 hosts in [].
struct HttpUrl {
  bool https = false;
  std::string host, port, target;
};
// False for other schemes or an empty host or port.
bool ParseHttpUrl(const std::string& url, HttpUrl* out);

}  // namespace screener::server
