#include "server/client_frame.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace screener::server {
namespace {

using json = nlohmann::json;
using Kind = FrameField::Kind;

// Receives the parser's events. Depth 0 is outside the frame, depth 1 is
// inside the frame object; only the values of its own keys are kept.
class FrameReader {
 public:
  explicit FrameReader(ClientFrame* frame) : frame_(frame) {}

  bool null() { return Scalar(Kind::kNull); }
  bool boolean(bool) { return Scalar(Kind::kOther); }
  bool number_integer(json::number_integer_t value) {
    if (FrameField* field = Current()) {
      *field = FrameField{};
      field->kind = Kind::kInteger;
      field->integer = value;
    }
    return depth_ > 0;
  }
  bool number_unsigned(json::number_unsigned_t value) {
    if (value > static_cast<json::number_unsigned_t>(std::numeric_limits<int64_t>::max())) {
      return Scalar(Kind::kOther);
    }
    return number_integer(static_cast<json::number_integer_t>(value));
  }
  bool number_float(json::number_float_t, const json::string_t&) { return Scalar(Kind::kOther); }
  bool string(json::string_t& value) {
    if (FrameField* field = Current()) {
      *field = FrameField{};
      field->kind = Kind::kString;
      field->string = std::move(value);
    }
    return depth_ > 0;
  }
  bool binary(json::binary_t&) { return Scalar(Kind::kOther); }

  bool start_object(std::size_t) {
    if (depth_ == 0) {
      depth_ = 1;  // the frame itself
      return true;
    }
    return Nested();
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) return false;  // a frame is an object
    return Nested();
  }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(json::string_t& name) {
    if (depth_ == 1) target_ = FieldNamed(name);
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  FrameField* FieldNamed(std::string_view name) const {
    if (name == "type") return &frame_->type;
    if (name == "text") return &frame_->text;
    if (name == "id") return &frame_->id;
    if (name == "script") return &frame_->script;
    if (name == "locale") return &frame_->locale;
    if (name == "region") return &frame_->region;
    if (name == "token") return &frame_->token;
    return nullptr;
  }

  // The field this value belongs to, if it is one of ours.
  FrameField* Current() const { return depth_ == 1 ? target_ : nullptr; }

  // A scalar; at depth 0 it is the whole document, which is not a frame.
  bool Scalar(Kind kind) {
    if (FrameField* field = Current()) {
      *field = FrameField{};
      field->kind = kind;
    }
    return depth_ > 0;
  }

  // An object or array inside the frame: one of ours is "other"; its
  // contents are skipped.
  bool Nested() {
    Scalar(Kind::kOther);
    ++depth_;
    return true;
  }

  bool Close() {
    --depth_;
    return true;
  }

  ClientFrame* frame_;
  FrameField* target_ = nullptr;
  int depth_ = 0;
};

}  // namespace

bool ParseClientFrame(std::string_view text, ClientFrame* frame) {
  *frame = ClientFrame{};
  FrameReader reader(frame);
  return json::sax_parse(text, &reader);
}

}  // namespace screener::server
