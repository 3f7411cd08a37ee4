// Integration tests: a real server on an ephemeral port, real Beast clients.
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/server/test_support.h"

namespace screener::server::testing {
namespace {

const json kStart = {{"type", "start"}, {"script", "emotional-numbness"}, {"locale", "en"}, {"region", "US"}};

json Message(const std::string& text, std::optional<int> id = std::nullopt) {
  json j = {{"type", "message"}, {"text", text}};
  if (id) j["id"] = *id;
  return j;
}

// start → session + the opening bot frame; returns the token.
std::string StartConversation(WsClient& c) {
  c.Send(kStart);
  json session = c.Expect("session");
  EXPECT_EQ(session["protocol"], 1);
  EXPECT_EQ(session["resumed"], false);
  EXPECT_EQ(session["script"]["id"], "emotional-numbness");
  json bot = c.Expect("bot");
  EXPECT_EQ(bot["state"], "intro");
  EXPECT_EQ(bot["ended"], false);
  return session.value("token", "");
}

// The names of this process's threads, from /proc.
std::multiset<std::string> ThreadNames() {
  std::multiset<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.insert(name);
  }
  return names;
}

class ServerTest : public ::testing::Test {
 protected:
  TempDir dir;
};

TEST_F(ServerTest, WholeConversationOverTheSocket) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  std::string token = StartConversation(c);
  EXPECT_EQ(token.size(), 22u);
  json q1 = c.Ask(Message("yes", 1));
  EXPECT_EQ(q1["state"], "q1");
  EXPECT_EQ(q1["progress"]["step"], 1);
  EXPECT_EQ(q1["progress"]["of"], 4);
  EXPECT_EQ(q1["reply_to"], 1);
  EXPECT_FALSE(q1["quick_replies"].empty());
  EXPECT_EQ(c.Ask(Message("no", 2))["state"], "q2");
  EXPECT_EQ(c.Ask(Message("no", 3))["state"], "q3");
  EXPECT_EQ(c.Ask(Message("no", 4))["state"], "q4");
  json end = c.Ask(Message("no", 5));
  EXPECT_EQ(end["ended"], true);
  EXPECT_EQ(end["kind"], "end");
  EXPECT_EQ(c.Ask({{"type", "ping"}}, "pong")["type"], "pong");
  c.Close();
  EXPECT_EQ(s.server->metrics().conversations_finished.load(), 1u);
}

// An operator's `top -H` or `perf` tells the server's threads apart.
TEST_F(ServerTest, ThreadsAreNamedForOperators) {
  std::multiset<std::string> before = ThreadNames();
  TestServer s(dir.path());
  // Each thread names itself as it starts.
  auto named = [&](const std::string& name, size_t more) {
    return WaitFor([&] { return ThreadNames().count(name) == before.count(name) + more; }, std::chrono::seconds(5));
  };
  EXPECT_TRUE(named("network", TestServer::DefaultThreads()));
  EXPECT_TRUE(named("persister", 1));
  EXPECT_TRUE(named("escalations", 1));
}

TEST_F(ServerTest, RetriedMessageIdIsAnsweredWithTheSameTurn) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  StartConversation(c);
  json q1 = c.Ask(Message("yes", 7));
  json again = c.Ask(Message("yes", 7));
  EXPECT_EQ(again["state"], "q1");
  EXPECT_EQ(again["messages"], q1["messages"]);
  EXPECT_EQ(again["reply_to"], 7);
  EXPECT_EQ(c.Ask(Message("no", 8))["state"], "q2");
}

TEST_F(ServerTest, CrisisMidQuestionGetsResourcesWith988) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  StartConversation(c);
  c.Ask(Message("yes"));
  json bot = c.Ask(Message("honestly I want to kill myself"));
  ASSERT_TRUE(bot.contains("crisis")) << bot.dump();
  EXPECT_FALSE(bot["crisis"]["categories"].empty());
  EXPECT_FALSE(bot["crisis"]["text"].get<std::string>().empty());
  ASSERT_TRUE(bot.contains("resources"));
  bool has_988 = false;
  for (const json& r : bot["resources"]) has_988 |= r.value("phone", "") == "988";
  EXPECT_TRUE(has_988) << bot["resources"].dump();
  c.Close();
}

TEST_F(ServerTest, BadInputsGetErrorFramesAndTheSessionGoesOn) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  auto error_code = [&](const std::string& text) {
    c.SendText(text);
    json e = c.Expect("error");
    EXPECT_TRUE(e.contains("message"));
    return e.value("code", "");
  };
  EXPECT_EQ(error_code(R"({"type":"message","text":"hi"})"), "no_conversation");
  EXPECT_EQ(error_code(R"({"type":"restart"})"), "no_conversation");
  EXPECT_EQ(error_code(R"({"type":"forget"})"), "no_conversation");
  EXPECT_EQ(error_code("this is not json"), "bad_json");
  EXPECT_EQ(error_code("[1,2,3]"), "bad_json");
  EXPECT_EQ(error_code("{\"type\":"), "bad_json");
  EXPECT_EQ(error_code(R"({"type":"dance"})"), "unknown_type");
  EXPECT_EQ(error_code(R"({"text":"no type"})"), "unknown_type");
  EXPECT_EQ(error_code(R"({"type":42})"), "unknown_type");
  EXPECT_EQ(error_code(R"({"type":"start"})"), "missing_field");
  EXPECT_EQ(error_code(R"({"type":"start","script":7})"), "missing_field");
  EXPECT_EQ(error_code(R"({"type":"start","script":"nope"})"), "unknown_script");
  EXPECT_EQ(error_code(R"({"type":"resume"})"), "missing_field");
  c.SendBinary("\x01\x02\x03");
  EXPECT_EQ(c.Expect("error")["code"], "binary_frame");
  StartConversation(c);
  EXPECT_EQ(error_code(R"({"type":"message"})"), "missing_field");
  EXPECT_EQ(error_code(R"({"type":"message","text":"yes","id":"seven"})"), "missing_field");
  EXPECT_EQ(error_code(R"({"type":"message","text":"yes","id":1.5})"), "missing_field");
  EXPECT_EQ(error_code(R"({"type":"message","text":"yes","id":9223372036854775808})"), "missing_field");
  // Still going; fields it does not know, and what is nested in them, are ignored.
  json with_extras = {{"type", "message"}, {"text", "yes"}, {"extra", {{"type", "ping"}, {"text", 7}}}};
  EXPECT_EQ(c.Ask(with_extras)["state"], "q1");
  auto metrics = HttpRequest(s.port(), "/metrics").body;
  EXPECT_EQ(Metric(metrics, "screener_protocol_errors_total{kind=\"bad_json\"}"), 3);
  EXPECT_EQ(Metric(metrics, "screener_protocol_errors_total{kind=\"binary_frame\"}"), 1);
  EXPECT_EQ(Metric(metrics, "screener_protocol_errors_total{kind=\"missing_field\"}"), 7);
}

TEST_F(ServerTest, OversizedFrameClosesWith1009) {
  ServerOptions o;
  o.max_frame = 4096;
  TestServer s(dir.path(), o);
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  c.SendText(Message(std::string(5000, 'a')).dump());
  EXPECT_EQ(c.ReadClose(), 1009);
  // Just under the limit is fine.
  WsClient d;
  ASSERT_TRUE(d.Connect(s.port()));
  StartConversation(d);
  d.Send(Message(std::string(3000, 'a')));
  d.Expect("bot");
}

TEST_F(ServerTest, InvalidUtf8ClosesWith1007) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  c.SendText("{\"type\":\"message\",\"text\":\"\xff\xfe\xc3\"}");
  EXPECT_EQ(c.ReadClose(), 1007);
  // The server counts it once its read completes, maybe after our close.
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (s.server->metrics().errors(ErrorKind::kInvalidUtf8) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(s.server->metrics().errors(ErrorKind::kInvalidUtf8), 1u);
}

TEST_F(ServerTest, RateLimitDropsTheExcess) {
  ServerOptions o;
  o.rate = 1;
  o.burst = 3;
  TestServer s(dir.path(), o);
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  for (int i = 0; i < 6; ++i) c.Send({{"type", "ping"}});
  int pongs = 0, limited = 0;
  for (int i = 0; i < 6; ++i) {
    json f = c.Read().value_or(json::object());
    if (f.value("type", "") == "pong") ++pongs;
    if (f.value("type", "") == "error" && f.value("code", "") == "rate_limited") ++limited;
  }
  EXPECT_EQ(pongs, 3);
  EXPECT_EQ(limited, 3);
  std::this_thread::sleep_for(1100ms);  // one token back
  EXPECT_EQ(c.Ask({{"type", "ping"}}, "pong")["type"], "pong");
}

TEST_F(ServerTest, ResumeOnANewConnectionRotatesTheTokenAndRepeatsTheTurn) {
  TestServer s(dir.path());
  std::string token;
  json last;
  {
    WsClient c;
    ASSERT_TRUE(c.Connect(s.port()));
    token = StartConversation(c);
    last = c.Ask(Message("yes"));
    c.Drop();
  }
  WsClient d;
  ASSERT_TRUE(d.Connect(s.port()));
  d.Send({{"type", "resume"}, {"token", token}});
  json session = d.Expect("session");
  EXPECT_EQ(session["resumed"], true);
  std::string new_token = session["token"];
  EXPECT_NE(new_token, token);
  EXPECT_EQ(new_token.size(), 22u);
  json repeated = d.Expect("bot");
  EXPECT_EQ(repeated["state"], "q1");
  EXPECT_EQ(repeated["messages"], last["messages"]);
  EXPECT_FALSE(repeated.contains("reply_to"));
  EXPECT_EQ(d.Ask(Message("no"))["state"], "q2");
  // The old token no longer works.
  WsClient e;
  ASSERT_TRUE(e.Connect(s.port()));
  e.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(e.Expect("error")["code"], "session_expired");
  EXPECT_EQ(d.Ask({{"type", "ping"}}, "pong")["type"], "pong");
}

TEST_F(ServerTest, ResumeOfALiveConnectionTakesItOverAndClosesTheOldWith1008) {
  TestServer s(dir.path());
  WsClient a;
  ASSERT_TRUE(a.Connect(s.port()));
  std::string token = StartConversation(a);
  WsClient b;
  ASSERT_TRUE(b.Connect(s.port()));
  b.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(b.Expect("session")["resumed"], true);
  EXPECT_EQ(b.Expect("bot")["state"], "intro");
  EXPECT_EQ(a.ReadClose(), 1008);
  EXPECT_EQ(b.Ask(Message("yes"))["state"], "q1");
}

TEST_F(ServerTest, UnknownAndExpiredTokensAreRefused) {
  ServerOptions o;
  o.resume_window = 300ms;
  TestServer s(dir.path(), o);
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  c.Send({{"type", "resume"}, {"token", "AAAAAAAAAAAAAAAAAAAAAA"}});
  EXPECT_EQ(c.Expect("error")["code"], "session_expired");
  std::string token;
  {
    WsClient d;
    ASSERT_TRUE(d.Connect(s.port()));
    token = StartConversation(d);
    d.Close();
  }
  std::this_thread::sleep_for(600ms);
  c.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(c.Expect("error")["code"], "session_expired");
}

TEST_F(ServerTest, ForgetRemovesTheConversationEverywhere) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  std::string token = StartConversation(c);
  c.Ask(Message("yes"));
  s.server->registry().Flush();
  auto files = [&] { return static_cast<int>(SavedRecords(dir.path()).size()); };
  ASSERT_EQ(files(), 1);
  const std::string token_hash = SavedRecords(dir.path())[0]["token_hash"];
  c.Send({{"type", "forget"}});
  c.Expect("forgotten");
  s.server->registry().Flush();
  EXPECT_EQ(files(), 0);
  // Not only unreadable: its bytes are overwritten on the disk by then.
  EXPECT_EQ(SavedBytes(dir.path()).find(token_hash), std::string::npos);
  EXPECT_EQ(s.server->registry().size(), 0u);
  c.Send(Message("yes"));
  EXPECT_EQ(c.Expect("error")["code"], "no_conversation");
  WsClient d;
  ASSERT_TRUE(d.Connect(s.port()));
  d.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(d.Expect("error")["code"], "session_expired");
}

TEST_F(ServerTest, RestartStartsTheScriptAgain) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  StartConversation(c);
  c.Ask(Message("yes"));
  json again = c.Ask({{"type", "restart"}});
  EXPECT_EQ(again["state"], "intro");
}

TEST_F(ServerTest, ConversationsSurviveARestart) {
  std::string token;
  {
    TestServer s(dir.path());
    WsClient c;
    ASSERT_TRUE(c.Connect(s.port()));
    token = StartConversation(c);
    c.Ask(Message("yes"));
    EXPECT_EQ(c.Ask(Message("no"))["state"], "q2");
    std::thread stopper([&] { s.server->Stop(); });  // graceful: the client hears 1001
    EXPECT_EQ(c.ReadClose(), 1001);
    stopper.join();
    std::string log = s.capture.text();
    EXPECT_EQ(log.find(token), std::string::npos) << "a token was logged";
    EXPECT_NE(log.find("\"event\":\"stop\""), std::string::npos);
  }
  TestServer s(dir.path());
  EXPECT_EQ(s.server->registry().size(), 1u);
  WsClient d;
  ASSERT_TRUE(d.Connect(s.port()));
  d.Send({{"type", "resume"}, {"token", token}});
  EXPECT_EQ(d.Expect("session")["resumed"], true);
  EXPECT_EQ(d.Expect("bot")["state"], "q2");
  EXPECT_EQ(d.Ask(Message("no"))["state"], "q3");
}

TEST_F(ServerTest, SavedConversationsHoldNoMessageTextAndNoToken) {
  TestServer s(dir.path());
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  std::string token = StartConversation(c);
  c.Ask(Message("yes"));
  c.Ask(Message("no, my secret words xyzzy"));
  s.server->registry().Flush();
  std::string bytes = SavedBytes(dir.path());
  EXPECT_EQ(bytes.find("xyzzy"), std::string::npos);
  EXPECT_EQ(bytes.find(token), std::string::npos);
  std::vector<json> records = SavedRecords(dir.path());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].contains("expires_at"));
  EXPECT_EQ(records[0]["token_hash"].get<std::string>().size(), 64u);
}

TEST_F(ServerTest, OriginIsChecked) {
  ServerOptions o;
  o.allowed_origins = {"https://partner.example"};
  TestServer s(dir.path(), o);
  int status = 0;
  WsClient evil;
  EXPECT_FALSE(evil.Connect(s.port(), "https://evil.example", &status));
  EXPECT_EQ(status, 403);
  WsClient own;
  EXPECT_TRUE(own.Connect(s.port(), "http://127.0.0.1:" + std::to_string(s.port())));
  WsClient partner;
  EXPECT_TRUE(partner.Connect(s.port(), "https://partner.example"));
  WsClient other_port;
  EXPECT_FALSE(other_port.Connect(s.port(), "http://127.0.0.1:1", &status));
  EXPECT_EQ(status, 403);
  WsClient no_origin;
  EXPECT_TRUE(no_origin.Connect(s.port()));
}

TEST_F(ServerTest, ConnectionCapAnswers503) {
  ServerOptions o;
  o.max_connections = 2;
  TestServer s(dir.path(), o);
  WsClient a, b, c;
  ASSERT_TRUE(a.Connect(s.port()));
  ASSERT_TRUE(b.Connect(s.port()));
  int status = 0;
  EXPECT_FALSE(c.Connect(s.port(), "", &status));
  EXPECT_EQ(status, 503);
  a.Close();
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (s.server->metrics().connections_open.load() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  WsClient d;
  EXPECT_TRUE(d.Connect(s.port()));
}

TEST_F(ServerTest, MetricsCount) {
  TestServer s(dir.path());
  {
    WsClient c;
    ASSERT_TRUE(c.Connect(s.port()));
    StartConversation(c);
    c.Ask(Message("yes"));
    c.Ask(Message("I want to kill myself"));
    // messages_out counts a frame when its write completes, which can be a
    // moment after the client has read it: wait for it rather than race.
    auto m = HttpRequest(s.port(), "/metrics");
    for (auto until = std::chrono::steady_clock::now() + 2s;
         Metric(m.body, "screener_messages_out_total") < 4 && std::chrono::steady_clock::now() < until;) {
      std::this_thread::sleep_for(5ms);
      m = HttpRequest(s.port(), "/metrics");
    }
    EXPECT_EQ(m.status, 200);
    EXPECT_NE(m.header("content-type").find("text/plain"), std::string::npos);
    EXPECT_EQ(Metric(m.body, "screener_connections_open"), 1);
    EXPECT_EQ(Metric(m.body, "screener_conversations_started_total"), 1);
    EXPECT_EQ(Metric(m.body, "screener_messages_in_total"), 3);
    EXPECT_EQ(Metric(m.body, "screener_messages_out_total"), 4);
    EXPECT_EQ(Metric(m.body, "screener_crisis_replies_total{category=\"suicide\"}"), 1);
    EXPECT_EQ(Metric(m.body, "screener_reply_latency_seconds_count"), 3);
    EXPECT_EQ(Metric(m.body, "screener_reply_latency_seconds_bucket{le=\"+Inf\"}"), 3);
    c.Close();
  }
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (s.server->metrics().connections_open.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  auto m = HttpRequest(s.port(), "/metrics");
  EXPECT_EQ(Metric(m.body, "screener_connections_open"), 0);
  EXPECT_EQ(Metric(m.body, "screener_connections_total"), 1);
}

TEST_F(ServerTest, HealthReadyVersion) {
  TestServer s(dir.path());
  auto h = HttpRequest(s.port(), "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(h.header("server"), "");
  auto r = HttpRequest(s.port(), "/readyz");
  EXPECT_EQ(r.status, 200);
  auto v = HttpRequest(s.port(), "/version");
  EXPECT_EQ(v.status, 200);
  json j = json::parse(v.body);
  EXPECT_EQ(j["version"], SCREENER_VERSION);
  EXPECT_EQ(j["protocol"], 1);
  EXPECT_EQ(HttpRequest(s.port(), "/nope").status, 404);
  EXPECT_EQ(HttpRequest(s.port(), "/healthz", {}, http::verb::post).status, 405);
  EXPECT_EQ(HttpRequest(s.port(), "/ws").status, 426);
}

// Runs as root too: chmod does not stop root, so the sessions directory is
// swapped for a plain file (every write under it fails with ENOTDIR), then
// put back. The persister probes every save interval; /readyz follows it.
TEST_F(ServerTest, ReadyzFailsWhenTheStateDirIsNotWritable) {
  ServerOptions o;
  o.save_interval = 100ms;
  TestServer s(dir.path(), o);
  auto ready_becomes = [&](int status) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (HttpRequest(s.port(), "/readyz").status == status) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  EXPECT_TRUE(ready_becomes(200));
  std::string sessions = dir.path() + "/sessions";
  std::filesystem::rename(sessions, sessions + ".away");
  std::ofstream(sessions) << "not a directory";
  EXPECT_TRUE(ready_becomes(503));
  EXPECT_EQ(HttpRequest(s.port(), "/readyz").body, "state dir not writable\n");
  std::filesystem::remove(sessions);
  std::filesystem::rename(sessions + ".away", sessions);
  EXPECT_TRUE(ready_becomes(200));
  EXPECT_NE(s.capture.text().find("\"store_recovered\""), std::string::npos);
}

TEST_F(ServerTest, StaticFiles) {
  TempDir web;
  std::filesystem::create_directories(web.path() + "/css");
  std::ofstream(web.path() + "/index.html") << "<!doctype html><title>demo</title>";
  std::ofstream(web.path() + "/widget.js") << "console.log(1)";
  std::ofstream(web.path() + "/css/site.css") << "body{}";
  std::ofstream(web.path() + "/.secret") << "hidden";
  std::ofstream(dir.path() + "/outside.txt") << "outside";
  ServerOptions o;
  o.web = web.path();
  TestServer s(dir.path(), o);

  auto index = HttpRequest(s.port(), "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.header("content-security-policy"), "");
  EXPECT_EQ(index.header("x-content-type-options"), "nosniff");
  EXPECT_NE(index.header("etag"), "");
  EXPECT_NE(index.header("last-modified"), "");
  EXPECT_NE(index.header("cache-control"), "");
  EXPECT_EQ(index.header("server"), "");
  EXPECT_EQ(index.body, "<!doctype html><title>demo</title>");
  auto js = HttpRequest(s.port(), "/widget.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("content-security-policy"), "");
  EXPECT_EQ(HttpRequest(s.port(), "/css/site.css").header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(HttpRequest(s.port(), "/widget.js?v=3").status, 200);
  // Revalidation.
  auto again = HttpRequest(s.port(), "/widget.js", {{"If-None-Match", js.header("etag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(HttpRequest(s.port(), "/missing.js").status, 404);
  // HEAD: headers only.
  auto head = HttpRequest(s.port(), "/widget.js", {}, http::verb::head);
  EXPECT_EQ(head.status, 200);
  // Traversal, plain and encoded, and hidden files: never served.
  for (const char* target : {"/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt", "/%2E%2E%2Foutside.txt",
                             "/css/../../outside.txt", "/.secret", "/%2esecret", "/css%2f..%2f..%2foutside.txt",
                             "/..\\outside.txt", "/%00", "/%zz"}) {
    auto r = HttpRequest(s.port(), target);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << target << " gave " << r.status;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("hidden"), std::string::npos) << target;
  }
}

TEST_F(ServerTest, TheShippedDemoPageIsServed) {
  TestServer s(dir.path());
  auto index = HttpRequest(s.port(), "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(HttpRequest(s.port(), "/widget.js").status, 200);
}

TEST_F(ServerTest, TwoHundredConcurrentConversations) {
  ServerOptions o;
  o.threads = 2;
  TestServer s(dir.path(), o);
  constexpr int kClients = 200;
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<WsClient>());
    ASSERT_TRUE(clients.back()->Connect(s.port())) << i;
  }
  for (auto& c : clients) c->Send(kStart);
  for (auto& c : clients) {
    c->Expect("session");
    c->Expect("bot");
  }
  EXPECT_EQ(s.server->metrics().connections_open.load(), kClients);
  const std::vector<std::pair<std::string, std::string>> steps = {
      {"yes", "q1"}, {"no", "q2"}, {"no", "q3"}, {"no", "q4"}};
  for (const auto& [answer, state] : steps) {
    for (auto& c : clients) c->Send(Message(answer));
    for (auto& c : clients) EXPECT_EQ(c->Expect("bot")["state"], state);
  }
  for (auto& c : clients) c->Send(Message("no"));
  for (auto& c : clients) EXPECT_EQ(c->Expect("bot")["ended"], true);
  EXPECT_EQ(s.server->metrics().conversations_finished.load(), static_cast<uint64_t>(kClients));
}

TEST_F(ServerTest, LogsCarryNoMessageTextOrToken) {
  std::string log, token;
  {
    TestServer s(dir.path());
    WsClient c;
    ASSERT_TRUE(c.Connect(s.port()));
    token = StartConversation(c);
    c.Ask(Message("yes"));
    c.Ask(Message("plugh I want to kill myself"));
    c.Close();
    s.server->Stop();
    log = s.capture.text();
  }
  EXPECT_EQ(log.find("plugh"), std::string::npos);
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_NE(log.find("\"event\":\"escalation\""), std::string::npos);
  EXPECT_NE(log.find("\"event\":\"connect\""), std::string::npos);
  EXPECT_NE(log.find("\"event\":\"disconnect\""), std::string::npos);
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << line;
}

}  // namespace
}  // namespace screener::server::testing

namespace screener::server::testing {
namespace {

TEST(ServerLimits, IdleConnectionsAreClosed) {
  TempDir dir;
  ServerOptions o;
  o.idle_timeout = 300ms;
  TestServer s(dir.path(), o);
  WsClient c;
  ASSERT_TRUE(c.Connect(s.port()));
  auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.Read(3000ms));
  EXPECT_NE(c.last_error(), net::error::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2500ms);
}

TEST(ServerLimits, ASlowReaderIsCutOffAndOthersDoNotNotice) {
  TempDir dir;
  ServerOptions o;
  o.write_queue = 8;
  o.rate = 100000;
  o.burst = 100000;
  o.idle_timeout = 1000ms;
  TestServer s(dir.path(), o);
  // A client that never reads, with a tiny receive window, asking for big
  // turns (restart repeats the long introduction).
  net::io_context ioc;
  tcp::socket raw(ioc);
  raw.open(tcp::v4());
  raw.set_option(net::socket_base::receive_buffer_size(2048));
  raw.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), s.port()));
  websocket::stream<tcp::socket&> slow(raw);
  slow.handshake("127.0.0.1", "/ws");
  slow.text(true);
  slow.write(net::buffer(json{{"type", "start"}, {"script", "emotional-numbness"}}.dump()));
  raw.non_blocking(true);
  std::string restart = R"({"type":"restart"})";
  int sent = 0;
  for (int i = 0; i < 5000; ++i) {
    beast::error_code ec;
    slow.write(net::buffer(restart), ec);
    if (ec) break;  // the server stopped reading (or closed): our buffer is full
    ++sent;
  }
  // Meanwhile another conversation goes on normally.
  WsClient other;
  ASSERT_TRUE(other.Connect(s.port()));
  StartConversation(other);
  EXPECT_EQ(other.Ask(Message("yes"))["state"], "q1");
  // The slow client is dropped within the idle timeout, not buffered forever.
  // The other client keeps talking (and so is never idle) meanwhile.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (s.server->metrics().connections_open.load() > 1 && std::chrono::steady_clock::now() < deadline) {
    EXPECT_EQ(other.Ask({{"type", "ping"}}, "pong")["type"], "pong");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(s.server->metrics().connections_open.load(), 1) << "sent " << sent;
  EXPECT_EQ(other.Ask({{"type", "ping"}}, "pong")["type"], "pong");
}

}  // namespace
}  // namespace screener::server::testing
