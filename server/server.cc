#include "server/server.h"

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "dialogue/crisis/detector.h"
#include "server/connections.h"
#include "server/escalation.h"
#include "server/registry.h"
#include "server/redis.h"
#include "server/redis_sessions.h"
#include "server/shared_state.h"
#include "server/store.h"
#include "server/thread_name.h"

namespace screener::server {

namespace net = boost::asio;
namespace fs = std::filesystem;

Result<std::shared_ptr<const ScriptLibrary>> LoadLibrary(const std::string& folder) {
  ScriptLoader loader([](const std::vector<std::string>& files) { return crisis::LoadDetector(files); });
  Result<ScriptLibrary> library = ScriptLibrary::LoadFolder(folder, loader);
  if (!library) return library.problems();
  return std::make_shared<const ScriptLibrary>(std::move(*library));
}

struct Server::Impl {
  Impl(ServerOptions o, std::shared_ptr<const ScriptLibrary> l, Logger& g)
      : options(std::move(o)), library(std::move(l)), log(g) {}

  ServerOptions options;
  std::shared_ptr<const ScriptLibrary> library;
  Logger& log;
  Metrics metrics;
  // Declared before the io_context: handlers destroyed with it may still
  // reach these.
  std::unique_ptr<ConversationStore> store;
  std::unique_ptr<RedisPool> redis_pool;  // with --store redis://
  std::unique_ptr<RedisOutbox> outbox;
  std::unique_ptr<Registry> registry;
  std::unique_ptr<EscalationSink> escalation;
  std::unique_ptr<SharedState> state;
  std::unique_ptr<net::ssl::context> tls;
  std::unique_ptr<net::io_context> ioc;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
};

Server::Server(ServerOptions options, std::shared_ptr<const ScriptLibrary> library, Logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(library), log)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->listener ? impl_->listener->port() : 0; }
Metrics& Server::metrics() { return impl_->metrics; }
Registry& Server::registry() { return *impl_->registry; }
const ServerOptions& Server::options() const { return impl_->options; }

Problems Server::Start() {
  Impl& m = *impl_;
  const ServerOptions& o = m.options;
  Result<std::unique_ptr<FileStore>> store = FileStore::Open(o.state_dir);
  if (!store) return store.problems();
  m.store = std::move(*store);
  RedisSessions* redis = nullptr;
  if (!o.store.empty()) {
    Result<RedisAddress> address = ParseRedisUrl(o.store);
    if (!address) return address.problems();
    m.redis_pool = std::make_unique<RedisPool>(*address, o.store_timeout, 4);
    auto sessions = std::make_unique<RedisSessions>(*m.redis_pool, o.resume_window, m.metrics, m.log);
    redis = sessions.get();
    m.store = std::move(sessions);
  }
  m.registry = std::make_unique<Registry>(m.library, *m.store, m.metrics, m.log, o.resume_window, o.save_interval,
                                          o.max_conversations);
  m.escalation = std::make_unique<EscalationSink>((fs::path(o.state_dir) / "escalations.jsonl").string(), o,
                                                  m.metrics, m.log);
  m.state = std::make_unique<SharedState>(o, m.library, *m.store, *m.registry, *m.escalation, m.metrics, m.log);
  if (redis) {
    m.outbox = std::make_unique<RedisOutbox>(*m.redis_pool, o, m.metrics, m.log, *m.escalation);
    m.state->redis = redis;
    m.state->outbox = m.outbox.get();
  }
  std::error_code ec;
  fs::path web = fs::canonical(o.web, ec);
  if (ec || !fs::is_directory(web)) {
    m.log.Warn("no_web_dir", {{"web", o.web}});
  } else {
    m.state->web_root = web.string();
  }
  if (!o.tls_cert.empty()) {
    m.tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    m.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                       net::ssl::context::single_dh_use);
    boost::system::error_code tec;
    m.tls->use_certificate_chain_file(o.tls_cert, tec);
    if (tec) return {Problem{o.tls_cert, "", "cannot use the certificate: " + tec.message()}};
    m.tls->use_private_key_file(o.tls_key, net::ssl::context::pem, tec);
    if (tec) return {Problem{o.tls_key, "", "cannot use the private key: " + tec.message()}};
    m.state->tls = true;
  }
  if (m.redis_pool) m.redis_pool->Start();
  size_t restored = m.registry->Start();
  if (Problems p = m.escalation->Start(); !p.empty()) {
    m.registry->Stop();
    return p;
  }
  int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  m.ioc = std::make_unique<net::io_context>(threads);
  m.state->network_threads = threads;
  Result<std::shared_ptr<Listener>> listener = Listen(*m.ioc, *m.state, m.tls.get());
  if (!listener) {
    m.escalation->Stop();
    m.registry->Stop();
    return listener.problems();
  }
  m.listener = *listener;
  for (int i = 0; i < threads; ++i) {
    m.threads.emplace_back([&m] {
      NameThisThread("network");
      m.ioc->run();
    });
  }
  if (m.outbox) m.outbox->Start();
  m.started = true;
  m.log.Info("start", {{"bind", o.bind},
                       {"port", m.listener->port()},
                       {"tls", m.state->tls},
                       {"threads", threads},
                       {"scripts", m.library->Ids()},
                       {"restored_conversations", restored},
                       {"store", o.store.empty() ? std::string("state dir") : o.store},
                       {"version", SCREENER_VERSION}});
  return {};
}

void Server::Stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  m.state->stopping = true;
  m.listener->Close();
  size_t open = m.state->CloseAll();
  // Give the close handshakes a moment; a client that does not answer is
  // cut off when the threads stop.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (m.state->open() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  m.ioc->stop();
  for (std::thread& t : m.threads) t.join();
  m.threads.clear();
  m.registry->Stop();  // saves every conversation
  if (m.outbox) m.outbox->Stop();
  if (m.redis_pool) m.redis_pool->Stop();  // after the last escalation is queued
  m.escalation->Stop();
  m.log.Info("stop", {{"closed_connections", open}, {"saved_conversations", m.registry->size()}});
  // Handlers still queued hold sessions: destroy them while the state lives.
  m.listener.reset();
  m.ioc.reset();
}

}  // namespace screener::server
