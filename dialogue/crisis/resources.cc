#include "dialogue/crisis/resources.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace screener::crisis {
namespace {

using nlohmann::json;

// The directory key for a caller's region: "us" -> "US", any case of
// "default" -> "default".
std::string Key(std::string_view region) {
  std::string out(region);
  std::string lower(region);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "default") return lower;
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Region keys: "default" or an upper-case ISO 3166-1 alpha-2 code.
bool ValidRegionKey(const std::string& key) {
  if (key == "default") return true;
  return key.size() == 2 && key[0] >= 'A' && key[0] <= 'Z' && key[1] >= 'A' && key[1] <= 'Z';
}

bool ValidDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

void ParseResource(const json& j, const std::string& pointer, const std::string& file,
                   Problems* problems, Resource* r) {
  auto add = [&](const std::string& p, std::string reason) {
    problems->push_back(Problem{file, p, std::move(reason)});
  };
  if (!j.is_object()) {
    add(pointer, "must be an object");
    return;
  }
  static constexpr std::string_view kKnown[] = {"name", "description", "phone", "sms", "sms_body",
                                                "url", "hours", "emergency", "languages",
                                                "source", "last_verified"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (std::string_view k : kKnown) known = known || key == k;
    if (!known) add(pointer + "/" + key, "unknown field");
  }
  struct Field {
    const char* key;
    std::string* out;
    bool required;
  };
  Field fields[] = {{"name", &r->name, true},          {"description", &r->description, true},
                    {"phone", &r->phone, false},       {"sms", &r->sms, false},
                    {"sms_body", &r->sms_body, false}, {"url", &r->url, false},
                    {"hours", &r->hours, false},       {"source", &r->source, true},
                    {"last_verified", &r->last_verified, true}};
  for (const Field& f : fields) {
    auto it = j.find(f.key);
    if (it == j.end()) {
      if (f.required) add(pointer, std::string("missing field \"") + f.key + "\"");
      continue;
    }
    if (!it->is_string()) {
      add(pointer + "/" + f.key, "must be a string");
      continue;
    }
    *f.out = it->get<std::string>();
    if (f.required && f.out->empty()) add(pointer + "/" + f.key, "must not be empty");
  }
  if (!r->last_verified.empty() && !ValidDate(r->last_verified)) {
    add(pointer + "/last_verified", "must be a date YYYY-MM-DD");
  }
  if (auto it = j.find("emergency"); it != j.end()) {
    if (!it->is_boolean()) {
      add(pointer + "/emergency", "must be true or false");
    } else {
      r->emergency = it->get<bool>();
    }
  }
  // An emergency entry may only say "your local emergency number"; every
  // other entry must give a way to reach someone.
  if (r->phone.empty() && r->sms.empty() && r->url.empty() && !r->emergency && j.contains("name")) {
    add(pointer, "needs at least one of phone, sms or url");
  }
  if (auto it = j.find("languages"); it != j.end()) {
    if (!it->is_array()) {
      add(pointer + "/languages", "must be an array of language codes");
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) {
          add(pointer + "/languages/" + std::to_string(i), "must be a string");
          continue;
        }
        r->languages.push_back((*it)[i].get<std::string>());
      }
    }
  }
}

}  // namespace

Result<ResourceDirectory> ResourceDirectory::Parse(std::string_view json_text,
                                                   const std::string& file_name) {
  Problems problems;
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {
    return Problem{file_name, "", std::string("not valid JSON: ") + e.what()};
  }
  if (!root.is_object()) return Problem{file_name, "/", "must be a JSON object"};
  for (const auto& [key, value] : root.items()) {
    if (key != "description" && key != "regions") {
      problems.push_back(Problem{file_name, "/" + key, "unknown field"});
    }
  }
  auto regions = root.find("regions");
  if (regions == root.end() || !regions->is_object()) {
    problems.push_back(Problem{file_name, "/regions", "must be an object keyed by region code"});
    return problems;
  }
  ResourceDirectory directory;
  for (const auto& [key, list] : regions->items()) {
    const std::string pointer = "/regions/" + key;
    if (!ValidRegionKey(key)) {
      problems.push_back(Problem{file_name, pointer,
                                 "region must be \"default\" or an upper-case two-letter code"});
      continue;
    }
    if (!list.is_array() || list.empty()) {
      problems.push_back(Problem{file_name, pointer, "must be a non-empty array of resources"});
      continue;
    }
    std::vector<Resource> resources;
    for (size_t i = 0; i < list.size(); ++i) {
      Resource r;
      ParseResource(list[i], pointer + "/" + std::to_string(i), file_name, &problems, &r);
      resources.push_back(std::move(r));
    }
    directory.by_region_[key] = std::move(resources);
  }
  if (problems.empty() && directory.by_region_.count("default") == 0) {
    problems.push_back(Problem{file_name, "/regions", "missing the \"default\" region"});
  }
  if (!problems.empty()) return problems;
  return directory;
}

Result<ResourceDirectory> ResourceDirectory::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Problem{path, "", "cannot open file"};
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

const std::vector<Resource>& ResourceDirectory::For(std::string_view region) const {
  auto it = by_region_.find(Key(region));
  if (it != by_region_.end()) return it->second;
  return by_region_.at("default");  // Parse guarantees it exists
}

bool ResourceDirectory::Has(std::string_view region) const {
  return by_region_.count(Key(region)) > 0;
}

std::vector<std::string> ResourceDirectory::Regions() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : by_region_) out.push_back(key);
  return out;
}

}  // namespace screener::crisis
