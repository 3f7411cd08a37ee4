#include "server/log.h"

#include <algorithm>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace screener::server {
namespace {

using json = nlohmann::json;

TEST(Logger, WritesOneJsonObjectPerLineWithTimeLevelAndEventFirst) {
  std::ostringstream out;
  Logger log(out);
  log.Info("connect", {{"conn", 7}, {"tls", false}});
  log.Warn("escalation", {{"categories", json::array({"suicide", "self_harm"})}, {"queued", size_t{18446744073709551615u}},
                          {"ratio", 0.25}, {"detail", {{"nested", nullptr}}}});
  std::istringstream lines(out.str());
  std::string first, second, rest;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, rest));

  EXPECT_EQ(first.rfind(R"({"time":")", 0), 0u) << first;
  EXPECT_NE(first.find(R"(","level":"info","event":"connect",)"), std::string::npos) << first;
  json a = json::parse(first);
  EXPECT_EQ(a["conn"], 7);
  EXPECT_EQ(a["tls"], false);
  EXPECT_EQ(a["time"].get<std::string>().size(), std::string("2024-05-01T12:00:00.123Z").size());

  json b = json::parse(second);
  EXPECT_EQ(b["level"], "warn");
  EXPECT_EQ(b["categories"], json::array({"suicide", "self_harm"}));
  EXPECT_EQ(b["queued"].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(b["ratio"], 0.25);
  EXPECT_TRUE(b["detail"]["nested"].is_null());
}

TEST(Logger, KeepsItsOwnFieldsAndReplacesIllFormedUtf8) {
  std::ostringstream out;
  Logger log(out);
  log.Error("accept_failed", {{"event", "spoofed"}, {"level", "debug"}, {"error", "bad \xff byte"}});
  json line = json::parse(out.str());
  EXPECT_EQ(line["event"], "accept_failed");
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["error"], "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(out.str().find("spoofed"), std::string::npos);
}

TEST(Logger, WritesNothingBelowItsLevel) {
  std::ostringstream out;
  Logger log(out, LogLevel::kWarn);
  log.Debug("redis_unavailable", {{"step", "lock"}});
  log.Info("connect", {{"conn", 1}});
  EXPECT_EQ(out.str(), "");
  log.Warn("slow_reader", {{"conn", 1}});
  EXPECT_EQ(json::parse(out.str())["event"], "slow_reader");
  Logger off(out, LogLevel::kOff);
  off.Error("accept_failed");
  std::string all = out.str();
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 1);
}

}  // namespace
}  // namespace screener::server
