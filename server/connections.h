// The network side of the server: the accept loop, HTTP sessions (static
// files, health, metrics, the upgrade) and WebSocket sessions. Beast types
// stay inside connections.cc; this header only names what Server needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "dialogue/result.h"
#include "server/shared_state.h"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace screener::server {

class Listener {
 public:
  virtual ~Listener() = default;
  // Stops accepting (any thread).
  virtual void Close() = 0;
  virtual uint16_t port() const = 0;
};

// Binds and starts accepting. With `tls`, every connection must begin with
// a TLS handshake (https:// and wss:// only); without, plain http and ws.
Result<std::shared_ptr<Listener>> Listen(boost::asio::io_context& ioc, SharedState& state,
                                         boost::asio::ssl::context* tls);

}  // namespace screener::server
