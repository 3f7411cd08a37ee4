// TLS: with --tls-cert/--tls-key the same port speaks https and wss only.
#include <cstdlib>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>

#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

namespace ssl = net::ssl;

TEST(ServerTls, HttpsAndWssWithASelfSignedCertificate) {
  TempDir dir;
  std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout " + key +
                    " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ServerOptions o;
  o.tls_cert = cert;
  o.tls_key = key;
  TestServer s(dir.path() + "/state", o);

  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(cert);
  ctx.set_verify_mode(ssl::verify_peer);
  net::io_context ioc;

  // https GET /healthz
  {
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port()));
    stream.handshake(ssl::stream_base::client);
    http::request<http::empty_body> req{http::verb::get, "/healthz", 11};
    req.set(http::field::host, "localhost");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "ok\n");
  }
  // wss: a conversation, with the page's https origin.
  {
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port()));
    ws.next_layer().handshake(ssl::stream_base::client);
    std::string host = "localhost:" + std::to_string(s.port());
    ws.set_option(websocket::stream_base::decorator(
        [host](websocket::request_type& req) { req.set(http::field::origin, "https://" + host); }));
    ws.handshake(host, "/ws");
    ws.text(true);
    ws.write(net::buffer(json{{"type", "start"}, {"script", "phq9"}, {"region", "GB"}}.dump()));
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(json::parse(beast::buffers_to_string(buffer.data()))["type"], "session");
    buffer.clear();
    ws.read(buffer);
    json bot = json::parse(beast::buffers_to_string(buffer.data()));
    EXPECT_EQ(bot["type"], "bot");
    EXPECT_EQ(bot["state"], "intro");
    ws.close(websocket::close_code::normal);
  }
  // Plain http on the TLS port gets nowhere.
  EXPECT_EQ(HttpRequest(s.port(), "/healthz").status, 0);
}

}  // namespace
}  // namespace screener::server::testing
