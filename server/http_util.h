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

}  // namespace screener::server
