// Reads JSON documents written by people (scripts, config, data files) and
// reports every problem with its JSON pointer: unknown fields, wrong types,
// missing required fields. Loaders build on it so their messages read the same.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dialogue/result.h"

namespace screener {

// Appends "/key" to a JSON pointer, escaping as RFC 6901 says.
std::string PointerAppend(const std::string& pointer, std::string_view key);
std::string PointerAppend(const std::string& pointer, size_t index);

// Parses text as JSON; a syntax error becomes one Problem with the line.
Result<nlohmann::json> ParseJsonText(std::string_view text, const std::string& file);

// Reads a whole file; a missing or unreadable file becomes a Problem.
Result<std::string> ReadFileText(const std::string& path);

class JsonReader {
 public:
  JsonReader(std::string file, Problems* problems) : file_(std::move(file)), problems_(problems) {}

  void Fail(const std::string& pointer, std::string reason) const;

  // True if j is an object; reports fields not in `allowed`.
  bool Object(const nlohmann::json& j, const std::string& pointer,
              std::initializer_list<std::string_view> allowed) const;

  // Field readers: report a missing required field or a wrong type.
  std::optional<std::string> String(const nlohmann::json& object, const std::string& pointer,
                                    std::string_view key, bool required) const;
  std::optional<int> Int(const nlohmann::json& object, const std::string& pointer, std::string_view key,
                         bool required) const;
  std::optional<bool> Bool(const nlohmann::json& object, const std::string& pointer, std::string_view key,
                           bool required) const;
  // A list of non-empty strings.
  std::optional<std::vector<std::string>> Strings(const nlohmann::json& object, const std::string& pointer,
                                                  std::string_view key, bool required) const;

  const std::string& file() const { return file_; }

 private:
  const nlohmann::json* Field(const nlohmann::json& object, const std::string& pointer, std::string_view key,
                              bool required) const;
  std::string file_;
  Problems* problems_;
};

}  // namespace screener
