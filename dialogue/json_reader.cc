#include "dialogue/json_reader.h"

#include <algorithm>
#include <fstream>

namespace screener {

std::string PointerAppend(const std::string& pointer, std::string_view key) {
  std::string out = pointer + "/";
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string PointerAppend(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

Result<nlohmann::json> ParseJsonText(std::string_view text, const std::string& file) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Turn the byte offset into a line number, which is what an editor shows.
    size_t line = 1;
    for (size_t i = 0; i < e.byte && i < text.size(); ++i) line += text[i] == '\n';
    // what() reads "[json.exception.parse_error.101] parse error at line 3,
    // column 3: syntax error ..."; keep the part after the position.
    std::string what = e.what();
    size_t column = what.find("column ");
    size_t colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
    return Problem{file, "line " + std::to_string(line),
                   "invalid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2))};
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double ("1e999") is out_of_range.406, not a
    // parse_error, and carries no position (found by fuzz_script).
    std::string what = e.what();
    size_t end_of_id = what.find("] ");
    return Problem{file, "", "invalid JSON: " + (end_of_id == std::string::npos ? what : what.substr(end_of_id + 2))};
  }
}

Result<std::string> ReadFileText(const std::string& path) {
  // Sized up front: the server's conversation log can be tens of megabytes,
  // and a stream copy through a stringbuf copies it twice. Read in 1 MiB
  // pieces, each its own system call: a kernel without preemption would
  // otherwise hold the core for the whole copy, and a network thread sharing
  // it would wait.
  constexpr std::streamsize kPiece = 1 << 20;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Problem{path, "", "cannot open file"};
  const std::streamoff size = in.tellg();
  in.seekg(0);
  if (size < 0 || !in) return Problem{path, "", "cannot read file"};
  std::string text(static_cast<size_t>(size), '\0');
  std::streamsize done = 0;
  while (done < size && in) {
    in.read(text.data() + done, std::min<std::streamsize>(kPiece, size - done));
    done += in.gcount();
  }
  if (in.bad()) return Problem{path, "", "cannot read file"};
  text.resize(static_cast<size_t>(done));
  return text;
}

void JsonReader::Fail(const std::string& pointer, std::string reason) const {
  problems_->push_back(Problem{file_, pointer.empty() ? "/" : pointer, std::move(reason)});
}

bool JsonReader::Object(const nlohmann::json& j, const std::string& pointer,
                        std::initializer_list<std::string_view> allowed) const {
  if (!j.is_object()) {
    Fail(pointer, std::string("expected an object, found ") + j.type_name());
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      Fail(PointerAppend(pointer, key), "unknown field \"" + key + "\" (allowed: " + list + ")");
    }
  }
  return true;
}

const nlohmann::json* JsonReader::Field(const nlohmann::json& object, const std::string& pointer,
                                        std::string_view key, bool required) const {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  if (it == object.end()) {
    if (required) Fail(pointer, "missing required field \"" + std::string(key) + "\"");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> JsonReader::String(const nlohmann::json& object, const std::string& pointer,
                                              std::string_view key, bool required) const {
  const nlohmann::json* field = Field(object, pointer, key, required);
  if (!field) return std::nullopt;
  if (!field->is_string()) {
    Fail(PointerAppend(pointer, key), std::string("expected a string, found ") + field->type_name());
    return std::nullopt;
  }
  std::string value = field->get<std::string>();
  if (required && value.empty()) {
    Fail(PointerAppend(pointer, key), "must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<int> JsonReader::Int(const nlohmann::json& object, const std::string& pointer,
                                   std::string_view key, bool required) const {
  const nlohmann::json* field = Field(object, pointer, key, required);
  if (!field) return std::nullopt;
  if (!field->is_number_integer() || field->get<int64_t>() < -1000000 || field->get<int64_t>() > 1000000) {
    Fail(PointerAppend(pointer, key), "expected a whole number between -1000000 and 1000000");
    return std::nullopt;
  }
  return static_cast<int>(field->get<int64_t>());
}

std::optional<bool> JsonReader::Bool(const nlohmann::json& object, const std::string& pointer,
                                     std::string_view key, bool required) const {
  const nlohmann::json* field = Field(object, pointer, key, required);
  if (!field) return std::nullopt;
  if (!field->is_boolean()) {
    Fail(PointerAppend(pointer, key), std::string("expected true or false, found ") + field->type_name());
    return std::nullopt;
  }
  return field->get<bool>();
}

std::optional<std::vector<std::string>> JsonReader::Strings(const nlohmann::json& object,
                                                            const std::string& pointer, std::string_view key,
                                                            bool required) const {
  const nlohmann::json* field = Field(object, pointer, key, required);
  if (!field) return std::nullopt;
  std::string here = PointerAppend(pointer, key);
  if (!field->is_array()) {
    Fail(here, std::string("expected a list of strings, found ") + field->type_name());
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < field->size(); ++i) {
    const nlohmann::json& item = (*field)[i];
    if (!item.is_string()) {
      Fail(PointerAppend(here, i), std::string("expected a string, found ") + item.type_name());
      ok = false;
    } else if (item.get<std::string>().find_first_not_of(" \t\n") == std::string::npos) {
      Fail(PointerAppend(here, i), "must not be empty");
      ok = false;
    } else {
      out.push_back(item.get<std::string>());
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace screener
