// Options: defaults, the command line, the config file and --help.
#include <fstream>

#include <gtest/gtest.h>

#include "server/options.h"
#include "tests/server/test_support.h"

namespace screener::server {
namespace {

Result<ParsedArgs> Parse(std::vector<std::string> args) {
  std::vector<const char*> argv = {"screener-server"};
  for (const auto& a : args) argv.push_back(a.c_str());
  return ParseArgs(static_cast<int>(argv.size()), argv.data());
}

TEST(ServerOptions, Defaults) {
  auto p = Parse({});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->options.bind, "127.0.0.1");
  EXPECT_EQ(p->options.port, 8080);
  EXPECT_EQ(p->options.max_frame, 4096u);
  EXPECT_EQ(p->options.max_conversations, 50000u);
  EXPECT_EQ(p->options.resume_window, std::chrono::minutes(30));
  EXPECT_TRUE(p->options.allowed_origins.empty());
}

TEST(ServerOptions, CommandLine) {
  auto p = Parse({"--port", "9000", "--allowed-origin", "https://a.example", "--allowed-origin=https://b.example",
                  "--resume-window", "10m", "--save-interval", "500ms", "--rate", "2.5", "--escalation-include-text",
                  "--log-level", "warn", "--max-conversations", "300"});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->options.port, 9000);
  EXPECT_EQ(p->options.allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(p->options.resume_window, std::chrono::minutes(10));
  EXPECT_EQ(p->options.save_interval, std::chrono::milliseconds(500));
  EXPECT_DOUBLE_EQ(p->options.rate, 2.5);
  EXPECT_TRUE(p->options.escalation_include_text);
  EXPECT_EQ(p->options.log_level, LogLevel::kWarn);
  EXPECT_EQ(p->options.max_conversations, 300u);
}

TEST(ServerOptions, Errors) {
  EXPECT_EQ(Parse({"--prot"}).error(), "unknown option --prot (see --help)");
  EXPECT_EQ(Parse({"--port", "70000"}).error(), "--port: expected an integer from 0 to 65535");
  EXPECT_EQ(Parse({"--port"}).error(), "--port: needs a value");
  EXPECT_EQ(Parse({"--max-conversations", "0"}).error(),
            "--max-conversations: expected an integer from 1 to 100000000");
  EXPECT_EQ(Parse({"--idle-timeout", "soon"}).error(),
            "--idle-timeout: expected a duration such as 500ms, 10s, 30m, 1h (a number means seconds)");
  EXPECT_EQ(Parse({"--tls-cert", "a.pem"}).error(), "--tls-cert and --tls-key go together");
  EXPECT_EQ(Parse({"--webhook-url", "ftp://x"}).error(), "--webhook-url: must start with http:// or https://");
}

TEST(ServerOptions, ConfigFile) {
  testing::TempDir dir;
  std::string file = dir.path() + "/server.json";
  std::ofstream(file) << R"({"port": 9100, "allowed-origin": ["https://a.example"], "idle-timeout": 60,
                            "escalation-include-text": true, "scripts": "s", "max-conversations": 1000})";
  auto p = Parse({"--config", file, "--scripts", "other"});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->options.port, 9100);
  EXPECT_EQ(p->options.allowed_origins, std::vector<std::string>{"https://a.example"});
  EXPECT_EQ(p->options.idle_timeout, std::chrono::seconds(60));
  EXPECT_TRUE(p->options.escalation_include_text);
  EXPECT_EQ(p->options.scripts, "other");  // the command line wins
  EXPECT_EQ(p->options.max_conversations, 1000u);
}

TEST(ServerOptions, ConfigFileErrorsSayWhere) {
  testing::TempDir dir;
  std::string file = dir.path() + "/server.json";
  std::ofstream(file) << R"({"port": "x", "colour": "blue", "rate": -1})";
  auto p = Parse({"--config", file});
  ASSERT_FALSE(p);
  std::string e = p.error();
  EXPECT_NE(e.find(file + ": /port: expected an integer from 0 to 65535"), std::string::npos) << e;
  EXPECT_NE(e.find(file + ": /colour: unknown option"), std::string::npos) << e;
  EXPECT_NE(e.find(file + ": /rate: expected a positive number"), std::string::npos) << e;
  std::ofstream(file) << "{";
  EXPECT_EQ(Parse({"--config", file}).error(), file + ": not valid JSON");
}

TEST(ServerOptions, HelpListsEveryOptionWithItsDefault) {
  std::string help = HelpText();
  for (const char* option :
       {"--bind", "--port", "--scripts", "--web", "--state-dir", "--allowed-origin", "--threads", "--max-connections",
        "--max-conversations",
        "--max-frame", "--rate", "--burst", "--write-queue", "--handshake-timeout", "--idle-timeout",
        "--resume-window", "--save-interval", "--webhook-url", "--webhook-timeout", "--webhook-backoff",
        "--webhook-backoff-max", "--webhook-queue", "--escalation-include-text", "--tls-cert", "--tls-key", "--log-level", "--config",
        "--help"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
  EXPECT_NE(help.find("[default: 8080]"), std::string::npos);
  EXPECT_NE(help.find("[default: 30m]"), std::string::npos);
  EXPECT_NE(help.find("[default: 4096]"), std::string::npos);
  EXPECT_NE(help.find("--max-conversations N"), std::string::npos);
  EXPECT_NE(help.find("[default: 50000]"), std::string::npos);
}

}  // namespace
}  // namespace screener::server
