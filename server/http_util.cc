#include "server/http_util.h"

#include <algorithm>
#include <cctype>

namespace screener::server {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::optional<std::string> SafeRelativePath(std::string_view target) {
  if (size_t q = target.find_first_of("?#"); q != std::string_view::npos) target = target.substr(0, q);
  if (target.empty() || target.front() != '/') return std::nullopt;
  // Split on raw slashes first, then decode each segment: an encoded slash
  // inside a segment is refused rather than treated as a separator.
  std::string out;
  size_t i = 1;
  bool ends_with_slash = target.size() == 1;
  while (i <= target.size()) {
    size_t end = target.find('/', i);
    if (end == std::string_view::npos) end = target.size();
    std::string_view raw = target.substr(i, end - i);
    std::string segment;
    for (size_t k = 0; k < raw.size(); ++k) {
      char c = raw[k];
      if (c == '%') {
        if (k + 2 >= raw.size()) return std::nullopt;
        int hi = HexValue(raw[k + 1]);
        int lo = HexValue(raw[k + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        c = static_cast<char>(hi * 16 + lo);
        k += 2;
      }
      if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
      segment += c;
    }
    if (end == target.size() && segment.empty()) ends_with_slash = true;
    if (!segment.empty()) {
      if (segment.front() == '.') return std::nullopt;  // "..", ".", hidden files
      if (!out.empty()) out += '/';
      out += segment;
    }
    i = end + 1;
  }
  if (ends_with_slash) {
    if (!out.empty()) out += '/';
    out += "index.html";
  }
  if (out.empty()) out = "index.html";
  return out;
}

std::string_view ContentType(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/vnd.microsoft.icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
      {".wasm", "application/wasm"},
  };
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string ext = Lower(path.substr(dot));
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

bool OriginAllowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed,
                   bool tls) {
  if (origin.empty()) return true;
  std::string o = TrimSlash(Lower(origin));
  for (const std::string& a : allowed) {
    if (TrimSlash(Lower(a)) == o) return true;
  }
  // The server's own origin: scheme matches how we serve, authority = Host.
  std::string scheme = tls ? "https://" : "http://";
  if (o.rfind(scheme, 0) != 0) return false;
  std::string authority = o.substr(scheme.size());
  std::string h = Lower(host);
  if (h.empty()) return false;
  std::string default_port = tls ? ":443" : ":80";
  auto strip = [&](std::string s) {
    if (s.size() > default_port.size() && s.compare(s.size() - default_port.size(), default_port.size(), default_port) == 0) {
      s.resize(s.size() - default_port.size());
    }
    return s;
  };
  return strip(authority) == strip(h);
}

RouteDecision RouteRequest(std::string_view method, std::string_view target, bool upgrade, std::string_view origin,
                           std::string_view host, const std::vector<std::string>& allowed, bool tls) {
  if (upgrade) {
    if (target.substr(0, target.find('?')) != "/ws") return {Route::kNotFound, {}};
    if (!OriginAllowed(origin, host, allowed, tls)) return {Route::kOriginRefused, {}};
    return {Route::kWebSocket, {}};
  }
  if (method != "GET" && method != "HEAD") return {Route::kMethodNotAllowed, {}};
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path == "/healthz") return {Route::kHealth, {}};
  if (path == "/readyz") return {Route::kReady, {}};
  if (path == "/version") return {Route::kVersion, {}};
  if (path == "/metrics") return {Route::kMetrics, {}};
  if (path == "/ws") return {Route::kUpgradeRequired, {}};
  std::optional<std::string> file = SafeRelativePath(target);
  if (!file) return {Route::kBadPath, {}};
  return {Route::kStaticFile, std::move(*file)};
}

bool ParseHttpUrl(const std::string& url, HttpUrl* out) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
    out->port = "80";
  } else if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
    out->https = true;
    out->port = "443";
  } else {
    return false;
  }
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out->target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) return false;
  if (authority.front() == '[') {  // [::1]:8080
    size_t close = authority.find(']');
    if (close == std::string::npos) return false;
    out->host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') out->port = authority.substr(close + 2);
  } else if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    out->host = authority.substr(0, colon);
    out->port = authority.substr(colon + 1);
  } else {
    out->host = authority;
  }
  return !out->host.empty() && !out->port.empty();
}

}  // namespace screener::server
