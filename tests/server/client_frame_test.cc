#include "server/client_frame.h"

#include <limits>
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
FrameField FromTree(const json& frame, const char* key) {
  FrameField field;
  auto it = frame.find(key);
  if (it == frame.end()) return field;
  if (it->is_string()) {
    field.kind = Kind::kString;
    field.string = it->get<std::string>();
  } else if (it->is_number_integer() &&
             !(it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()})) {
    field.kind = Kind::kInteger;
    field.integer = it->get<int64_t>();
  } else if (it->is_null()) {
    field.kind = Kind::kNull;
  } else {
    field.kind = Kind::kOther;
  }
  return field;
}

void ExpectSame(const FrameField& got, const FrameField& want, const std::string& text) {
  EXPECT_EQ(got.kind, want.kind) << text;
  if (want.kind == Kind::kString) {
    EXPECT_EQ(got.string, want.string) << text;
  }
  if (want.kind == Kind::kInteger) {
    EXPECT_EQ(got.integer, want.integer) << text;
  }
}

TEST(ClientFrameTest, AgreesWithATreeOnGeneratedFrames) {
  std::mt19937 rng(20261125);
  const std::vector<std::string> keys = {"type", "text", "id", "script", "locale", "region", "token", "x", "Type", ""};
  const std::vector<std::string> values = {
      R"("message")", R"("")", R"("caf\u00e9 \ud83d\ude00")", "0", "-1", "42", "1e3", "2.5", "true", "null",
      "18446744073709551615", "9223372036854775808", R"({"type":"ping"})", R"([1,{"id":2}])", "{}", "[]",
      R"("\"quoted\" \\ back")"};
  const std::string breakers = "{}[],:\"\\ x0";
  int valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = "{";
    int fields = static_cast<int>(rng() % 5);
    for (int k = 0; k < fields; ++k) {
      if (k) text += ",";
      text += json(keys[rng() % keys.size()]).dump() + ":" + values[rng() % values.size()];
    }
    text += "}";
    if (rng() % 4 == 0) {  // break it somewhere, most of the time
      size_t at = rng() % (text.size() + 1);
      if (rng() % 2) {
        text.insert(at, 1, breakers[rng() % breakers.size()]);
      } else if (at < text.size()) {
        text.erase(at, 1);
      }
    }
    json tree = json::parse(text, nullptr, false);
    bool tree_ok = !tree.is_discarded() && tree.is_object();
    ClientFrame f;
    bool ok = ParseClientFrame(text, &f);
    ASSERT_EQ(ok, tree_ok) << text;
    if (!ok) continue;
    ++valid;
    ExpectSame(f.type, FromTree(tree, "type"), text);
    ExpectSame(f.text, FromTree(tree, "text"), text);
    ExpectSame(f.id, FromTree(tree, "id"), text);
    ExpectSame(f.script, FromTree(tree, "script"), text);
    ExpectSame(f.locale, FromTree(tree, "locale"), text);
    ExpectSame(f.region, FromTree(tree, "region"), text);
    ExpectSame(f.token, FromTree(tree, "token"), text);
  }
  EXPECT_GT(valid, 10000);  // most generated frames are well formed
}

}  // namespace
}  // namespace screener::server
