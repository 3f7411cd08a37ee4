#include "dialogue/json_writer.h"

#include <cstdint>
#include <limits>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace screener {
namespace {

std::string DumpReplacing(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonWriter, WritesCommasAndNesting) {
  std::string out;
  JsonWriter j(&out);
  j.Open('{');
  j.Key("a").Int(1).Key("b").Open('[').Int(2).Open('{').Close('}').Null().Close(']');
  j.Key("c").Bool(true).Key("d").Bool(false).Key("e").Strings({"x", "y"}).Key("f").Strings({});
  j.Close('}');
  EXPECT_EQ(out, R"({"a":1,"b":[2,{},null],"c":true,"d":false,"e":["x","y"],"f":[]})");
}

TEST(JsonWriter, WritesTheWholeRangeOfIntegers) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{42}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    std::string out;
    JsonWriter(&out).Int(v);
    EXPECT_EQ(out, nlohmann::json(v).dump());
  }
}

TEST(JsonWriter, WritesUnsignedIntegersAndDoublesThatReadBack) {
  for (uint64_t v : {uint64_t{0}, uint64_t{7}, std::numeric_limits<uint64_t>::max()}) {
    std::string out;
    JsonWriter(&out).Uint(v);
    EXPECT_EQ(out, nlohmann::json(v).dump());
  }
  for (double v : {0.0, -0.5, 1.0, 0.1, 1e15, 1e300, -2.5e-308, 123456.789}) {
    std::string out;
    JsonWriter(&out).Double(v);
    nlohmann::json back = nlohmann::json::parse(out);
    EXPECT_TRUE(back.is_number_float()) << out;  // a double stays a double
    EXPECT_EQ(back.get<double>(), v) << out;
  }
  for (double v : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    std::string out;
    JsonWriter(&out).Double(v);
    EXPECT_EQ(out, "null");
  }
}

TEST(JsonWriter, EscapesKeysToo) {
  std::string out;
  JsonWriter(&out).Open('{').Key("a\"b\\c\n").Int(1).Close('}');
  EXPECT_EQ(nlohmann::json::parse(out), (nlohmann::json{{"a\"b\\c\n", 1}}));
}

// Strings, keys included, come out as json::dump writes them (replacing
// ill-formed UTF-8 with U+FFFD), on every control character and on random
// bytes weighted towards UTF-8 lead and continuation bytes.
TEST(JsonWriter, StringsMatchJsonDumpOnHostileBytes) {
  std::vector<std::string> samples = {"", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\rcr",
                                      "\b\f\x01\x1f\x7f", "sí 🙂 ’", "\xff\xfe", "\xe2\x80", "\xed\xa0\x80",
                                      "\xf4\x90\x80\x80", "\xc0\xaf"};
  for (int c = 0; c < 0x20; ++c) samples.push_back(std::string(1, static_cast<char>(c)));
  std::mt19937 random(20261125);
  const unsigned char pool[] = {'a', ' ', '"', '\\', 0x01, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed,
                                0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f};
  for (int i = 0; i < 5000; ++i) {
    std::string s;
    int length = static_cast<int>(random() % 12);
    for (int k = 0; k < length; ++k) s += static_cast<char>(pool[random() % sizeof pool]);
    samples.push_back(s);
  }
  for (const std::string& s : samples) {
    std::string value, key;
    JsonWriter(&value).String(s);
    EXPECT_EQ(value, DumpReplacing(nlohmann::json(s)));
    JsonWriter(&key).Open('{').Key(s).Int(0).Close('}');
    EXPECT_EQ(key, DumpReplacing(nlohmann::json{{s, 0}}));
  }
}

}  // namespace
}  // namespace screener
