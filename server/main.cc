// screener-server: the composition root. Parses options, loads the script
// library once (immutable, shared by every thread), builds the server and
// runs it until SIGINT or SIGTERM, then shuts down gracefully (exit 0).
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "server/log.h"
#include "server/options.h"
#include "server/server.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitStartup = 1;

}  // namespace

int main(int argc, char** argv) {
  using namespace screener::server;
  auto parsed = ParseArgs(argc, argv);
  if (!parsed) {
    for (const auto& p : parsed.problems()) std::cerr << "screener-server: " << p.ToString() << "\n";
    return kExitUsage;
  }
  if (parsed->help) {
    std::cout << HelpText();
    return kExitOk;
  }
  if (parsed->version) {
    std::cout << "screener-server " << SCREENER_VERSION << " (protocol 1)\n";
    return kExitOk;
  }
  ServerOptions options = parsed->options;
  Logger log(std::cerr, options.log_level);

  auto library = LoadLibrary(options.scripts);
  if (!library) {
    for (const auto& p : library.problems()) std::cerr << p.ToString() << "\n";
    log.Error("scripts_not_loaded", {{"scripts", options.scripts}});
    return kExitStartup;
  }

  // Signals are taken synchronously by this thread; the server's threads
  // inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Server server(options, *library, log);
  if (auto problems = server.Start(); !problems.empty()) {
    for (const auto& p : problems) std::cerr << "screener-server: " << p.ToString() << "\n";
    return kExitStartup;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  log.Info("signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  server.Stop();
  return kExitOk;
}
