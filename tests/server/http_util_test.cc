// Paths, content types and the Origin rule, table-driven.
#include <gtest/gtest.h>

#include "server/http_util.h"
#include "server/token.h"

namespace screener::server {
namespace {

TEST(ServerHttpUtil, SafeRelativePath) {
  struct Case {
    const char* target;
    const char* expected;  // nullptr: refused
  };
  const Case cases[] = {
      {"/", "index.html"},
      {"/widget.js", "widget.js"},
      {"/widget.js?v=1", "widget.js"},
      {"/css/site.css", "css/site.css"},
      {"/docs/", "docs/index.html"},
      {"/a%20b.txt", "a b.txt"},
      {"/../etc/passwd", nullptr},
      {"/%2e%2e/etc/passwd", nullptr},
      {"/%2E%2E/etc/passwd", nullptr},
      {"/..%2fetc/passwd", nullptr},
      {"/a/%2e%2e%2f%2e%2e%2fetc", nullptr},
      {"/a/../../etc", nullptr},
      {"/./x", nullptr},
      {"/.env", nullptr},
      {"/a\\..\\b", nullptr},
      {"/%00", nullptr},
      {"/%", nullptr},
      {"/%2", nullptr},
      {"/%zz", nullptr},
      {"relative", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    auto got = SafeRelativePath(c.target);
    if (c.expected) {
      ASSERT_TRUE(got) << c.target;
      EXPECT_EQ(*got, c.expected) << c.target;
    } else {
      EXPECT_FALSE(got) << c.target << " -> " << got.value_or("");
    }
  }
}

TEST(ServerHttpUtil, ContentType) {
  EXPECT_EQ(ContentType("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentType("a/widget.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentType("site.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentType("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentType("data.json"), "application/json");
  EXPECT_EQ(ContentType("README"), "application/octet-stream");
  EXPECT_EQ(ContentType("dir.d/README"), "application/octet-stream");
}

TEST(ServerHttpUtil, OriginAllowed) {
  std::vector<std::string> none;
  std::vector<std::string> partner = {"https://Partner.example/"};
  EXPECT_TRUE(OriginAllowed("", "127.0.0.1:8080", none, false));
  EXPECT_TRUE(OriginAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", none, false));
  EXPECT_TRUE(OriginAllowed("http://example.org", "example.org:80", none, false));
  EXPECT_TRUE(OriginAllowed("https://example.org", "example.org", none, true));
  EXPECT_FALSE(OriginAllowed("https://example.org", "example.org", none, false));  // scheme differs
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1:9999", "127.0.0.1:8080", none, false));
  EXPECT_FALSE(OriginAllowed("http://evil.example", "127.0.0.1:8080", none, false));
  EXPECT_FALSE(OriginAllowed("null", "127.0.0.1:8080", none, false));
  EXPECT_TRUE(OriginAllowed("https://partner.example", "127.0.0.1:8080", partner, false));
  EXPECT_FALSE(OriginAllowed("https://partner.example.evil", "127.0.0.1:8080", partner, false));
}

TEST(ServerToken, TokensAreRandomAndHashed) {
  std::string a = NewToken(), b = NewToken();
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  EXPECT_EQ(TokenHash(a).size(), 64u);
  EXPECT_EQ(TokenHash(a), TokenHash(a));
  EXPECT_NE(TokenHash(a), TokenHash(b));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_EQ(NewSessionId().size(), 16u);
}

}  // namespace
}  // namespace screener::server
