#include "server/client_frame.h"
#include "tests/server/client_frame_reference.h"

#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace screener::server {
namespace {

using json = nlohmann::json;
using Kind = FrameField::Kind;

TEST(ClientFrameTest, ReadsAMessage) {
  ClientFrame f;
  ASSERT_TRUE(ParseClientFrame(R"({"type":"message","text":"not really \u00e9","id":7})", &f));
  EXPECT_EQ(f.type.kind, Kind::kString);
  EXPECT_EQ(f.type.string, "message");
  EXPECT_EQ(f.text.string, "not really \xc3\xa9");
  EXPECT_EQ(f.id.kind, Kind::kInteger);
  EXPECT_EQ(f.id.integer, 7);
  EXPECT_FALSE(f.token.present());
  EXPECT_FALSE(f.script.present());
}

TEST(ClientFrameTest, RefusesWhatIsNotOneObject) {
  ClientFrame f;
  for (const char* text : {"", "[]", "[{\"type\":\"ping\"}]", "\"ping\"", "3", "null", "{", "{\"type\":\"ping\"",
                           "{\"type\":\"ping\"} {}", "{\"type\":\"ping\",}", "{'type':'ping'}", "{\"type\":ping}",
                           "{\"text\":\"\xff\"}", "{\"text\":\"\\ud800\"}"}) {
    EXPECT_FALSE(ParseClientFrame(text, &f)) << text;
  }
  // A NUL byte has no place in JSON outside a string (nlohmann would stop
  // reading at it and accept the first of these).
  using namespace std::string_view_literals;
  for (std::string_view text : {"{\"type\":\"ping\"}\0trailing"sv, "{\"type\":\"pi\0ng\"}"sv, "\0{}"sv}) {
    EXPECT_FALSE(ParseClientFrame(text, &f)) << text;
  }
  EXPECT_TRUE(ParseClientFrame(" {} \n", &f));
  EXPECT_FALSE(f.type.present());
}

TEST(ClientFrameTest, KindsOfValues) {
  ClientFrame f;
  ASSERT_TRUE(ParseClientFrame(
      R"({"type":{"text":"nested"},"text":null,"id":1.5,"script":["a"],"locale":true,"region":-3,"token":""})", &f));
  EXPECT_EQ(f.type.kind, Kind::kOther);
  EXPECT_EQ(f.text.kind, Kind::kNull);
  EXPECT_EQ(f.id.kind, Kind::kOther);
  EXPECT_EQ(f.script.kind, Kind::kOther);
  EXPECT_EQ(f.locale.kind, Kind::kOther);
  EXPECT_EQ(f.region.kind, Kind::kInteger);
  EXPECT_EQ(f.region.integer, -3);
  EXPECT_EQ(f.token.kind, Kind::kString);
  EXPECT_EQ(f.token.string, "");
}

TEST(ClientFrameTest, NestedKeysAreNotTopLevelFields) {
  ClientFrame f;
  ASSERT_TRUE(ParseClientFrame(R"({"extra":{"type":"start","text":"x"},"list":[{"id":1}],"type":"ping"})", &f));
  EXPECT_EQ(f.type.string, "ping");
  EXPECT_FALSE(f.text.present());
  EXPECT_FALSE(f.id.present());
}

TEST(ClientFrameTest, TheLastOfARepeatedKeyCounts) {
  ClientFrame f;
  ASSERT_TRUE(ParseClientFrame(R"({"text":"first","text":{"a":1},"id":"x","id":2,"type":"a","type":"message"})", &f));
  EXPECT_EQ(f.text.kind, Kind::kOther);
  EXPECT_EQ(f.id.kind, Kind::kInteger);
  EXPECT_EQ(f.id.integer, 2);
  EXPECT_EQ(f.type.string, "message");
}

TEST(ClientFrameTest, IdsBeyondSigned64BitsAreNotIntegers) {
  ClientFrame f;
  ASSERT_TRUE(ParseClientFrame(R"({"id":9223372036854775807})", &f));
  EXPECT_EQ(f.id.kind, Kind::kInteger);
  EXPECT_EQ(f.id.integer, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(ParseClientFrame(R"({"id":9223372036854775808})", &f));
  EXPECT_EQ(f.id.kind, Kind::kOther);
  ASSERT_TRUE(ParseClientFrame(R"({"id":-9223372036854775808})", &f));
  EXPECT_EQ(f.id.integer, std::numeric_limits<int64_t>::min());
}

// The same answers as a parsed tree, over many generated frames, valid and
// broken.
TEST(ClientFrameTest, AgreesWithATreeOnGeneratedFrames) {
  std::mt19937 rng(20261125);
  const std::vector<std::string> keys = {"type", "text", "id", "script", "locale", "region", "token", "x", "Type", ""};
  const std::vector<std::string> values = {
      R"("message")", R"("")", R"("caf\u00e9 \ud83d\ude00")", "0", "-1", "42", "1e3", "2.5", "true", "null",
      "18446744073709551615", "9223372036854775808", R"({"type":"ping"})", R"([1,{"id":2}])", "{}", "[]",
      R"("\"quoted\" \\ back")", "-0", "1e400", "-1E+400", "1e-400", "123456789012345678901234567890",
      "-9223372036854775809", R"("\ud800")", R"("\udc00x")", R"("\ud83d\u0041")", R"("\/\b\f\n\r\t\u0000")",
      "\"\xC3\xA9 \xF0\x9F\x98\x80\"", "\"\xC3\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\x01\"",
      "[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]", R"({"a":[1,2.5e-3,{"b":null}],"c":{"d":[]}})", "false"};
  const std::string breakers = "{}[],:\"\\ x0e.-u\xEF\t";
  int valid = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string text = "{";
    int fields = static_cast<int>(rng() % 5);
    for (int k = 0; k < fields; ++k) {
      if (k) text += ",";
      text += json(keys[rng() % keys.size()]).dump() + ":" + values[rng() % values.size()];
    }
    text += "}";
    if (rng() % 50 == 0) text = "\xEF\xBB\xBF" + text;  // a byte order mark, which nlohmann skips
    if (rng() % 4 == 0) {  // break a quarter of them somewhere
      size_t at = rng() % (text.size() + 1);
      if (rng() % 2) {
        text.insert(at, 1, breakers[rng() % breakers.size()]);
      } else if (at < text.size()) {
        text.erase(at, 1);
      }
    }
    std::optional<ClientFrame> want = testing::ReferenceFrame(text);
    ClientFrame f;
    bool ok = ParseClientFrame(text, &f);
    ASSERT_EQ(ok, want.has_value()) << text;
    if (!ok) continue;
    ++valid;
    EXPECT_TRUE(testing::SameFrame(f, *want)) << text;
  }
  EXPECT_GT(valid, 15000);  // many generated frames are well formed
}

}  // namespace
}  // namespace screener::server
