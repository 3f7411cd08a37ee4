// Result<T>: a value, or every problem found while producing it.
//
// Load-time code (scripts, pattern files, resources, config) returns Result so
// that `screener lint` can report all problems at once, each saying where it
// is: "file: /json/pointer: reason". The hot path never uses exceptions;
// loaders catch nlohmann exceptions themselves and turn them into Problems.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace screener {

// One thing wrong with an input, and where it is.
struct Problem {
  std::string file;     // path as given by the caller; may be empty
  std::string pointer;  // JSON pointer ("/states/q1/next") or "line 12"; may be empty
  std::string reason;

  // "file: pointer: reason", leaving out empty parts.
  std::string ToString() const {
    std::string out;
    if (!file.empty()) out += file + ": ";
    if (!pointer.empty()) out += pointer + ": ";
    return out + reason;
  }
};

using Problems = std::vector<Problem>;

// Joins problems one per line, for messages and exceptions at the edges.
inline std::string ToString(const Problems& problems) {
  std::string out;
  for (const Problem& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.ToString();
  }
  return out;
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}                // NOLINT: implicit by design
  Result(Problems problems) : data_(std::move(problems)) {}   // NOLINT
  Result(Problem problem) : data_(Problems{std::move(problem)}) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Problems& problems() const { return std::get<Problems>(data_); }
  std::string error() const { return ok() ? std::string() : ToString(problems()); }

 private:
  std::variant<T, Problems> data_;
};

}  // namespace screener
