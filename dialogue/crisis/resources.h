// The crisis resource directory: who a person can reach now, by region.
//
// Loaded from a JSON data file (scripts/crisis/resources.json) keyed by region
// code ("US", "CA", "GB", "IE", "AU", "NZ", ...) with a "default" entry for
// everywhere else (an international directory). Every entry records where the
// facts came from and when they were last checked. Immutable once loaded.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/result.h"

namespace screener::crisis {

struct Resource {
  std::string name;          // "988 Suicide & Crisis Lifeline"
  std::string description;   // one line a person reads: "Call or text 988, any time."
  std::string phone;         // dialable, e.g. "988"; empty if none
  std::string sms;           // number to text, e.g. "741741"; empty if none
  std::string sms_body;      // keyword to send, e.g. "HOME"; empty if any text works
  std::string url;
  std::string hours;         // "24/7"
  bool emergency = false;    // an emergency number (911, 999, 000): for immediate danger
  std::vector<std::string> languages;
  std::string source;        // where the facts were taken from
  std::string last_verified; // ISO date
};

class ResourceDirectory {
 public:
  // Parses the file; every problem is reported with its JSON pointer.
  static Result<ResourceDirectory> Load(const std::string& path);
  static Result<ResourceDirectory> Parse(std::string_view json_text, const std::string& file_name);

  // Resources for a region code (case-insensitive, "us" == "US"), falling back
  // to "default" when the region is unknown or empty. Never empty for a
  // directory that loaded.
  const std::vector<Resource>& For(std::string_view region) const;

  bool Has(std::string_view region) const;
  std::vector<std::string> Regions() const;

 private:
  std::map<std::string, std::vector<Resource>> by_region_;
};

}  // namespace screener::crisis
