// The resource directory: the shipped file's facts, region fallback, and
// loader errors with JSON pointers.
#include "dialogue/crisis/resources.h"

#include <gtest/gtest.h>

namespace screener::crisis {
namespace {

const ResourceDirectory& Shipped() {
  static const ResourceDirectory* directory = [] {
    auto d = ResourceDirectory::Load("scripts/crisis/resources.json");
    EXPECT_TRUE(d.ok()) << d.error();
    return new ResourceDirectory(d.ok() ? std::move(d).value() : ResourceDirectory());
  }();
  return *directory;
}

const Resource* Find(const std::vector<Resource>& list, std::string_view name) {
  for (const Resource& r : list) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

TEST(ResourcesTest, ShippedRegions) {
  EXPECT_EQ(Shipped().Regions(), (std::vector<std::string>{"AU", "CA", "GB", "IE", "NZ", "US", "default"}));
}

TEST(ResourcesTest, UnitedStates) {
  const auto& us = Shipped().For("us");
  const Resource* lifeline = Find(us, "988 Suicide & Crisis Lifeline");
  ASSERT_NE(lifeline, nullptr);
  EXPECT_EQ(lifeline->phone, "988");
  EXPECT_EQ(lifeline->sms, "988");
  EXPECT_EQ(lifeline->url, "https://988lifeline.org");
  const Resource* ctl = Find(us, "Crisis Text Line");
  ASSERT_NE(ctl, nullptr);
  EXPECT_EQ(ctl->sms, "741741");
  EXPECT_EQ(ctl->sms_body, "HOME");
  const Resource* emergency = Find(us, "Emergency services");
  ASSERT_NE(emergency, nullptr);
  EXPECT_TRUE(emergency->emergency);
  EXPECT_EQ(emergency->phone, "911");
}

TEST(ResourcesTest, OtherRegionsKeyFacts) {
  EXPECT_EQ(Find(Shipped().For("GB"), "Shout")->sms, "85258");
  EXPECT_EQ(Find(Shipped().For("GB"), "Shout")->sms_body, "SHOUT");
  EXPECT_EQ(Find(Shipped().For("GB"), "Samaritans")->phone, "116123");
  EXPECT_EQ(Find(Shipped().For("IE"), "Samaritans")->phone, "116123");
  EXPECT_EQ(Find(Shipped().For("AU"), "Lifeline")->phone, "131114");
  EXPECT_EQ(Find(Shipped().For("CA"), "9-8-8 Suicide Crisis Helpline")->sms, "988");
  EXPECT_EQ(Find(Shipped().For("NZ"), "Need to talk? 1737")->phone, "1737");
}

TEST(ResourcesTest, EveryEntryIsSourcedAndDated) {
  for (const std::string& region : Shipped().Regions()) {
    for (const Resource& r : Shipped().For(region)) {
      EXPECT_FALSE(r.source.empty()) << region << " " << r.name;
      EXPECT_EQ(r.last_verified, "2026-11-24") << region << " " << r.name;
      EXPECT_FALSE(r.description.empty()) << region << " " << r.name;
      EXPECT_FALSE(r.languages.empty()) << region << " " << r.name;
    }
  }
}

TEST(ResourcesTest, UnknownRegionFallsBackToDefault) {
  EXPECT_FALSE(Shipped().Has("ES"));
  EXPECT_TRUE(Shipped().Has("us"));
  EXPECT_TRUE(Shipped().Has("default"));
  const auto& fallback = Shipped().For("ES");
  ASSERT_NE(Find(fallback, "Find A Helpline"), nullptr);
  EXPECT_EQ(&fallback, &Shipped().For(""));
  EXPECT_EQ(&fallback, &Shipped().For("default"));
}

std::string Errors(const std::string& json) {
  auto d = ResourceDirectory::Parse(json, "r.json");
  return d.ok() ? "ok" : d.error();
}

constexpr const char* kEntry =
    R"({"name": "N", "description": "D", "phone": "1", "source": "S", "last_verified": "2026-11-24"})";

TEST(ResourcesTest, LoaderErrors) {
  std::string entry = kEntry;
  EXPECT_EQ(Errors(R"({"regions": {"default": [)" + entry + "]}}"), "ok");
  EXPECT_EQ(Errors(R"({"regions": {"US": [)" + entry + "]}}"),
            "r.json: /regions: missing the \"default\" region");
  EXPECT_EQ(Errors(R"({"regions": {"default": [{"name": "N", "description": "D", "phone": "1", "source": "S", "last_verified": "2026-11-24", "fax": "2"}]}})"),
            "r.json: /regions/default/0/fax: unknown field");
  EXPECT_EQ(Errors(R"({"regions": {"default": [{"name": "N", "description": "D", "source": "S", "last_verified": "2026-11-24"}]}})"),
            "r.json: /regions/default/0: needs at least one of phone, sms or url");
  EXPECT_EQ(Errors(R"({"regions": {"default": [{"name": "N", "description": "D", "phone": "1", "source": "S", "last_verified": "24/11/2026"}]}})"),
            "r.json: /regions/default/0/last_verified: must be a date YYYY-MM-DD");
  EXPECT_EQ(Errors(R"({"regions": {"default": [{"name": "N", "phone": "1", "source": "S", "last_verified": "2026-11-24"}]}})"),
            "r.json: /regions/default/0: missing field \"description\"");
  EXPECT_EQ(Errors(R"({"regions": {"default": [)" + entry + R"(], "usa": [)" + entry + "]}}"),
            "r.json: /regions/usa: region must be \"default\" or an upper-case two-letter code");
  EXPECT_EQ(Errors(R"({"regions": {"default": []}})"),
            "r.json: /regions/default: must be a non-empty array of resources");
  EXPECT_EQ(Errors(R"({"regions": {"default": [)" + entry + R"(]}, "version": 2})"),
            "r.json: /version: unknown field");
  EXPECT_EQ(Errors(R"({"regions": {"default": [{"name": "N", "description": "D", "phone": "1", "source": "S", "last_verified": "2026-11-24", "emergency": "yes"}]}})"),
            "r.json: /regions/default/0/emergency: must be true or false");
  EXPECT_EQ(ResourceDirectory::Load("no/such.json").error(), "no/such.json: cannot open file");
}

}  // namespace
}  // namespace screener::crisis
