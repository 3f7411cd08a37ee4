#include "dialogue/crisis/pattern_file.h"

#include <re2/re2.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace screener::crisis {
namespace {

using nlohmann::json;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Collects problems for one file with a common file name.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void Add(std::string pointer, std::string reason) {
    problems_.push_back(Problem{file_, std::move(pointer), std::move(reason)});
  }
  Problems& problems() { return problems_; }
  const std::string& file() const { return file_; }

  // Rejects fields not in `known`, naming each by its pointer.
  void OnlyFields(const json& object, const std::string& pointer,
                  std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object.items()) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || key == k;
      if (!ok) Add(pointer + "/" + key, "unknown field");
    }
  }

  bool String(const json& object, const std::string& pointer, const char* key, bool required,
              std::string* out) {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) Add(pointer.empty() ? "/" : pointer, "missing field " + Quoted(key));
      return false;
    }
    if (!it->is_string()) {
      Add(pointer + "/" + key, "must be a string");
      return false;
    }
    *out = it->get<std::string>();
    if (required && out->empty()) {
      Add(pointer + "/" + key, "must not be empty");
      return false;
    }
    return true;
  }

  void StringList(const json& object, const std::string& pointer, const char* key,
                  std::vector<std::string>* out) {
    auto it = object.find(key);
    if (it == object.end()) return;
    if (!it->is_array()) {
      Add(pointer + "/" + key, "must be an array of strings");
      return;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      if (!v.is_string() || v.get<std::string>().empty()) {
        Add(pointer + "/" + key + "/" + std::to_string(i), "must be a non-empty string");
        continue;
      }
      out->push_back(v.get<std::string>());
    }
  }

 private:
  std::string file_;
  Problems problems_;
};

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9'); }

// Expands {name} references to "(?:definition)". RE2's own braces ({2}, {1,3})
// start with a digit, and \{ is a literal brace, so neither is mistaken for a
// macro. Definitions may use earlier-defined or later-defined macros; a chain
// deeper than 8 is reported as a cycle.
bool ExpandMacros(std::string_view regex, const std::map<std::string, std::string>& defines,
                  int depth, std::string* out, std::string* error) {
  if (depth > 8) {
    *error = "macros nested too deeply (a cycle?)";
    return false;
  }
  out->clear();
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    if (c == '\\' && i + 1 < regex.size()) {
      out->push_back(c);
      out->push_back(regex[++i]);
      continue;
    }
    if (c == '{' && i + 1 < regex.size() && regex[i + 1] >= 'a' && regex[i + 1] <= 'z') {
      size_t j = i + 1;
      while (j < regex.size() && IsNameChar(regex[j])) ++j;
      if (j < regex.size() && regex[j] == '}') {
        std::string name(regex.substr(i + 1, j - i - 1));
        auto it = defines.find(name);
        if (it == defines.end()) {
          *error = "unknown macro {" + name + "}";
          return false;
        }
        std::string inner;
        if (!ExpandMacros(it->second, defines, depth + 1, &inner, error)) return false;
        *out += "(?:" + inner + ")";
        i = j;
        continue;
      }
    }
    out->push_back(c);
  }
  return true;
}

bool CheckRegex(const std::string& regex, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(regex, options);
  if (!re.ok()) {
    *error = "invalid regex: " + re.error();
    return false;
  }
  return true;
}

const std::vector<std::string_view>& Categories() {
  static const std::vector<std::string_view> kCategories = {kSuicide, kSelfHarm, kHarmToOthers,
                                                            kDanger};
  return kCategories;
}

void ParseCues(Checker& c, const json& root, ContextCues* cues) {
  auto it = root.find("context");
  if (it == root.end()) return;
  if (!it->is_object()) {
    c.Add("/context", "must be an object");
    return;
  }
  const json& ctx = *it;
  c.OnlyFields(ctx, "/context",
               {"negation", "negation_cancelled_by", "hypothetical", "past", "media",
                "someone_else", "self", "someone_else_in_span", "self_in_span", "clause_breaks"});
  struct Field {
    const char* key;
    std::vector<std::string>* out;
  };
  Field fields[] = {{"negation", &cues->negation},
                    {"negation_cancelled_by", &cues->negation_cancelled_by},
                    {"hypothetical", &cues->hypothetical},
                    {"past", &cues->past},
                    {"media", &cues->media},
                    {"someone_else", &cues->someone_else},
                    {"self", &cues->self},
                    {"someone_else_in_span", &cues->someone_else_in_span},
                    {"self_in_span", &cues->self_in_span},
                    {"clause_breaks", &cues->clause_breaks}};
  for (const Field& f : fields) {
    size_t before = f.out->size();
    c.StringList(ctx, "/context", f.key, f.out);
    for (size_t i = before; i < f.out->size(); ++i) {
      std::string error;
      if (!CheckRegex((*f.out)[i], &error)) {
        c.Add("/context/" + std::string(f.key) + "/" + std::to_string(i), error);
      }
    }
  }
}

}  // namespace

std::string_view PatternKindName(PatternKind kind) {
  switch (kind) {
    case PatternKind::kStatement: return "statement";
    case PatternKind::kMeans: return "means";
    case PatternKind::kGoodbye: return "goodbye";
    case PatternKind::kDistress: return "distress";
  }
  return "statement";
}

Result<PatternFile> ParsePatternFile(std::string_view json_text, const std::string& file_name) {
  Checker c(file_name);
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {
    c.Add("", std::string("not valid JSON: ") + e.what());
    return std::move(c.problems());
  }
  if (!root.is_object()) {
    c.Add("/", "must be a JSON object");
    return std::move(c.problems());
  }
  PatternFile file;
  file.file = file_name;
  c.String(root, "", "kind", true, &file.kind);
  if (!file.kind.empty() && file.kind != "patterns" && file.kind != "idioms") {
    c.Add("/kind", "unknown kind " + Quoted(file.kind) + " (expected patterns or idioms)");
  }
  if (c.String(root, "", "language", true, &file.language)) {
    bool ok = file.language.size() >= 2 && file.language.size() <= 8;
    for (char ch : file.language) ok = ok && ch >= 'a' && ch <= 'z';
    if (!ok) c.Add("/language", "must be a lower-case language code such as \"en\"");
  }
  const bool idioms = file.kind == "idioms";
  const char* list_key = idioms ? "idioms" : "patterns";
  if (idioms) {
    c.OnlyFields(root, "", {"kind", "language", "description", "define", "idioms"});
  } else {
    c.OnlyFields(root, "", {"kind", "language", "description", "define", "context", "patterns"});
  }
  if (root.contains("description") && !root["description"].is_string()) {
    c.Add("/description", "must be a string");
  }

  std::map<std::string, std::string> defines;
  if (auto it = root.find("define"); it != root.end()) {
    if (!it->is_object()) {
      c.Add("/define", "must be an object of name: regex");
    } else {
      for (const auto& [name, value] : it->items()) {
        bool name_ok = !name.empty() && name[0] >= 'a' && name[0] <= 'z';
        for (char ch : name) name_ok = name_ok && IsNameChar(ch);
        if (!name_ok) c.Add("/define/" + name, "macro names are lower case letters, digits and _");
        if (!value.is_string()) {
          c.Add("/define/" + name, "must be a string");
          continue;
        }
        defines[name] = value.get<std::string>();
      }
      for (const auto& [name, value] : defines) {
        std::string expanded, error;
        if (!ExpandMacros(value, defines, 0, &expanded, &error) || !CheckRegex(expanded, &error)) {
          c.Add("/define/" + name, error);
        }
      }
    }
  }
  if (!idioms) ParseCues(c, root, &file.cues);

  auto list = root.find(list_key);
  if (list == root.end()) {
    c.Add("/", "missing field " + Quoted(list_key));
    return std::move(c.problems());
  }
  const std::string list_pointer = std::string("/") + list_key;
  if (!list->is_array()) {
    c.Add(list_pointer, "must be an array");
    return std::move(c.problems());
  }
  if (list->empty()) c.Add(list_pointer, "must not be empty");

  std::map<std::string, std::string> first_pointer_of_id;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& entry = (*list)[i];
    const std::string pointer = list_pointer + "/" + std::to_string(i);
    if (!entry.is_object()) {
      c.Add(pointer, "must be an object");
      continue;
    }
    if (idioms) {
      c.OnlyFields(entry, pointer, {"id", "regex", "examples", "note"});
    } else {
      c.OnlyFields(entry, pointer, {"id", "category", "tier", "kind", "regex", "examples", "note"});
    }
    std::string id, regex_source;
    c.String(entry, pointer, "id", true, &id);
    if (!id.empty()) {
      auto [it, inserted] = first_pointer_of_id.emplace(id, pointer);
      if (!inserted) c.Add(pointer + "/id", "duplicate id " + Quoted(id) + " (first at " + it->second + ")");
    }
    std::string regex;
    if (c.String(entry, pointer, "regex", true, &regex_source)) {
      std::string error;
      if (!ExpandMacros(regex_source, defines, 0, &regex, &error) || !CheckRegex(regex, &error)) {
        c.Add(pointer + "/regex", error);
        regex.clear();
      }
    }
    std::vector<std::string> examples;
    c.StringList(entry, pointer, "examples", &examples);
    if (entry.contains("note") && !entry["note"].is_string()) c.Add(pointer + "/note", "must be a string");

    if (idioms) {
      file.idioms.push_back(IdiomSpec{id, regex, std::move(examples), pointer});
      continue;
    }
    PatternSpec spec;
    spec.id = id;
    spec.regex = regex;
    spec.examples = std::move(examples);
    spec.pointer = pointer;
    if (c.String(entry, pointer, "category", true, &spec.category)) {
      bool known = false;
      for (std::string_view k : Categories()) known = known || spec.category == k;
      if (!known) {
        c.Add(pointer + "/category", "unknown category " + Quoted(spec.category) +
                                         " (expected suicide, self_harm, harm_to_others or danger)");
      }
    }
    std::string tier;
    if (c.String(entry, pointer, "tier", true, &tier)) {
      if (tier == "crisis") {
        spec.tier = Level::kCrisis;
      } else if (tier == "ask") {
        spec.tier = Level::kAsk;
      } else {
        c.Add(pointer + "/tier", "unknown tier " + Quoted(tier) + " (expected crisis or ask)");
      }
    }
    std::string kind;
    if (c.String(entry, pointer, "kind", false, &kind)) {
      if (kind == "statement") {
        spec.kind = PatternKind::kStatement;
      } else if (kind == "means") {
        spec.kind = PatternKind::kMeans;
      } else if (kind == "goodbye") {
        spec.kind = PatternKind::kGoodbye;
      } else if (kind == "distress") {
        spec.kind = PatternKind::kDistress;
      } else {
        c.Add(pointer + "/kind",
              "unknown kind " + Quoted(kind) + " (expected statement, means, goodbye or distress)");
      }
    }
    file.patterns.push_back(std::move(spec));
  }
  if (!c.problems().empty()) return std::move(c.problems());
  return file;
}

Result<PatternFile> ReadPatternFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Problem{path, "", "cannot open file"};
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePatternFile(text.str(), path);
}

}  // namespace screener::crisis
