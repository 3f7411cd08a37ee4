#include "dialogue/turn.h"

namespace screener {

using nlohmann::json;

std::string_view TurnKindName(TurnKind kind) {
  switch (kind) {
    case TurnKind::kQuestion: return "question";
    case TurnKind::kReprompt: return "reprompt";
    case TurnKind::kSafetyCheck: return "safety_check";
    case TurnKind::kCrisis: return "crisis";
    case TurnKind::kHold: return "hold";
    case TurnKind::kInfo: return "info";
    case TurnKind::kEnd: return "end";
  }
  return "question";
}

json ResourceToJson(const crisis::Resource& r) {
  json j = {{"name", r.name}, {"description", r.description}};
  if (!r.phone.empty()) j["phone"] = r.phone;
  if (!r.sms.empty()) j["sms"] = r.sms;
  if (!r.sms_body.empty()) j["sms_body"] = r.sms_body;
  if (!r.url.empty()) j["url"] = r.url;
  if (!r.hours.empty()) j["hours"] = r.hours;
  if (r.emergency) j["emergency"] = true;
  if (!r.languages.empty()) j["languages"] = r.languages;
  return j;
}

namespace {

crisis::Resource ResourceFromJson(const json& j) {
  crisis::Resource r;
  r.name = j.value("name", "");
  r.description = j.value("description", "");
  r.phone = j.value("phone", "");
  r.sms = j.value("sms", "");
  r.sms_body = j.value("sms_body", "");
  r.url = j.value("url", "");
  r.hours = j.value("hours", "");
  r.emergency = j.value("emergency", false);
  if (j.contains("languages")) r.languages = j["languages"].get<std::vector<std::string>>();
  return r;
}

void WriteResource(JsonWriter& j, const crisis::Resource& r) {
  j.Open('{');
  j.Key("name").String(r.name).Key("description").String(r.description);
  if (!r.phone.empty()) j.Key("phone").String(r.phone);
  if (!r.sms.empty()) j.Key("sms").String(r.sms);
  if (!r.sms_body.empty()) j.Key("sms_body").String(r.sms_body);
  if (!r.url.empty()) j.Key("url").String(r.url);
  if (!r.hours.empty()) j.Key("hours").String(r.hours);
  if (r.emergency) j.Key("emergency").Bool(true);
  if (!r.languages.empty()) j.Key("languages").Strings(r.languages);
  j.Close('}');
}

void WriteResources(JsonWriter& j, const std::vector<crisis::Resource>& resources) {
  j.Open('[');
  for (const crisis::Resource& r : resources) WriteResource(j, r);
  j.Close(']');
}

}  // namespace

json TurnToJson(const Turn& turn) {
  json j;
  j["kind"] = TurnKindName(turn.kind);
  j["messages"] = turn.messages;
  json replies = json::array();
  for (const QuickReply& q : turn.quick_replies) {
    json reply = {{"label", q.label}};
    if (!q.key.empty()) reply["key"] = q.key;
    replies.push_back(std::move(reply));
  }
  j["quick_replies"] = std::move(replies);
  j["progress"] = turn.progress ? json{{"step", turn.progress->step}, {"of", turn.progress->of}} : json(nullptr);
  j["state"] = turn.state;
  j["ended"] = turn.ended;
  j["crisis_active"] = turn.crisis_active;
  json resources = json::array();
  for (const auto& r : turn.resources) resources.push_back(ResourceToJson(r));
  if (turn.crisis) {
    j["crisis"] = {{"categories", turn.crisis->categories},
                   {"text", turn.crisis->text},
                   {"about_someone_else", turn.crisis->about_someone_else},
                   {"source", turn.crisis->source == CrisisNotice::Source::kAnswer ? "answer" : "message"},
                   {"resources", resources}};
  }
  if (!turn.resources.empty()) j["resources"] = std::move(resources);
  return j;
}

Result<Turn> TurnFromJson(const json& j) {
  try {
    Turn turn;
    std::string kind = j.at("kind").get<std::string>();
    for (TurnKind k : {TurnKind::kQuestion, TurnKind::kReprompt, TurnKind::kSafetyCheck, TurnKind::kCrisis,
                       TurnKind::kHold, TurnKind::kInfo, TurnKind::kEnd}) {
      if (TurnKindName(k) == kind) turn.kind = k;
    }
    turn.messages = j.at("messages").get<std::vector<std::string>>();
    for (const json& q : j.at("quick_replies")) turn.quick_replies.push_back({q.at("label"), q.value("key", "")});
    if (j.contains("progress") && j["progress"].is_object()) {
      turn.progress = Progress{j["progress"].at("step"), j["progress"].at("of")};
    }
    turn.state = j.at("state").get<std::string>();
    turn.ended = j.at("ended").get<bool>();
    turn.crisis_active = j.value("crisis_active", false);
    if (j.contains("resources")) {
      for (const json& r : j["resources"]) turn.resources.push_back(ResourceFromJson(r));
    }
    if (j.contains("crisis")) {
      const json& c = j["crisis"];
      turn.crisis = CrisisNotice{c.at("categories").get<std::vector<std::string>>(), c.at("text"),
                                 c.value("about_someone_else", false),
                                 c.value("source", "message") == "answer" ? CrisisNotice::Source::kAnswer
                                                                          : CrisisNotice::Source::kMessage};
    }
    return turn;
  } catch (const json::exception& e) {
    return Problem{"", "", std::string("not a saved turn: ") + e.what()};
  }
}

void WriteTurnFields(JsonWriter& j, const Turn& turn) {
  j.Key("kind").String(TurnKindName(turn.kind));
  j.Key("messages").Strings(turn.messages);
  j.Key("quick_replies").Open('[');
  for (const QuickReply& q : turn.quick_replies) {
    j.Open('{').Key("label").String(q.label);
    if (!q.key.empty()) j.Key("key").String(q.key);
    j.Close('}');
  }
  j.Close(']');
  j.Key("progress");
  if (turn.progress) {
    j.Open('{').Key("step").Int(turn.progress->step).Key("of").Int(turn.progress->of).Close('}');
  } else {
    j.Null();
  }
  j.Key("state").String(turn.state);
  j.Key("ended").Bool(turn.ended);
  j.Key("crisis_active").Bool(turn.crisis_active);
  if (turn.crisis) {
    const CrisisNotice& c = *turn.crisis;
    j.Key("crisis").Open('{');
    j.Key("categories").Strings(c.categories);
    j.Key("text").String(c.text);
    j.Key("about_someone_else").Bool(c.about_someone_else);
    j.Key("source").String(c.source == CrisisNotice::Source::kAnswer ? "answer" : "message");
    j.Key("resources");
    WriteResources(j, turn.resources);
    j.Close('}');
  }
  if (!turn.resources.empty()) {
    j.Key("resources");
    WriteResources(j, turn.resources);
  }
}

}  // namespace screener
