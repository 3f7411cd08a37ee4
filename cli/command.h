// The `screener` subcommands: each is a function over its arguments and the
// process's standard streams, so tests can run them without spawning.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace screener::cli {

// Exit codes, as ninja names them: 0 success, 1 the check failed, 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool interactive = false;  // stdin and stdout are a terminal
};

using Args = std::vector<std::string>;  // the arguments after the subcommand name

int RunChat(const Args& args, Io& io);
int RunTest(const Args& args, Io& io);
int RunLint(const Args& args, Io& io);
int RunGraph(const Args& args, Io& io);
int RunDetect(const Args& args, Io& io);
int RunCheckSafety(const Args& args, Io& io);

}  // namespace screener::cli
