// The reference a ClientFrame is checked against: the same fields taken from
// a tree that nlohmann's parser built. Used by client_frame_test.cc and the
// client_frame fuzz target.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/client_frame.h"

namespace screener::server::testing {

inline FrameField FieldFromTree(const nlohmann::json& frame, const char* key) {
  using Kind = FrameField::Kind;
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

// The frame nlohmann reads from `text`, or nothing when it refuses it (or it
// is not an object). One deliberate difference: nlohmann takes a NUL byte
// for the end of the text and ignores what follows, while JSON has no place
// for one outside a string (inside one it must be escaped), so the server
// refuses a frame that holds one.
inline std::optional<ClientFrame> ReferenceFrame(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  nlohmann::json tree = nlohmann::json::parse(text, nullptr, false);
  if (tree.is_discarded() || !tree.is_object()) return std::nullopt;
  ClientFrame f;
  f.type = FieldFromTree(tree, "type");
  f.text = FieldFromTree(tree, "text");
  f.id = FieldFromTree(tree, "id");
  f.script = FieldFromTree(tree, "script");
  f.locale = FieldFromTree(tree, "locale");
  f.region = FieldFromTree(tree, "region");
  f.token = FieldFromTree(tree, "token");
  return f;
}

inline bool SameField(const FrameField& a, const FrameField& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == FrameField::Kind::kString) return a.string == b.string;
  if (a.kind == FrameField::Kind::kInteger) return a.integer == b.integer;
  return true;
}

inline bool SameFrame(const ClientFrame& a, const ClientFrame& b) {
  return SameField(a.type, b.type) && SameField(a.text, b.text) && SameField(a.id, b.id) &&
         SameField(a.script, b.script) && SameField(a.locale, b.locale) && SameField(a.region, b.region) &&
         SameField(a.token, b.token);
}

}  // namespace screener::server::testing
