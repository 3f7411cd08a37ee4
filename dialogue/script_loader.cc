#include "dialogue/script_loader.h"

#include <algorithm>
#include <regex>
#include <set>

#include "dialogue/builtins.h"
#include "dialogue/json_reader.h"
#include "dialogue/text.h"

namespace screener {
namespace {

using nlohmann::json;

std::optional<StateKind> KindFromName(const std::string& name) {
  if (name == "say") return StateKind::kSay;
  if (name == "ask") return StateKind::kAsk;
  if (name == "result") return StateKind::kResult;
  if (name == "end") return StateKind::kEnd;
  return std::nullopt;
}

std::optional<AnswerType> AnswerTypeFromName(const std::string& name) {
  if (name == "yes_no") return AnswerType::kYesNo;
  if (name == "frequency") return AnswerType::kFrequency;
  if (name == "choice") return AnswerType::kChoice;
  if (name == "text") return AnswerType::kText;
  return std::nullopt;
}

// Parses the fields of one script. Each method reads one part of the format
// and reports problems against its pointer; parsing goes on after a problem
// so that one run finds them all.
class ScriptParser {
 public:
  ScriptParser(const std::string& file, Problems* problems) : in_(file, problems) {}

  Script Parse(const json& root) {
    Script script;
    script.file = in_.file();
    if (!in_.Object(root, "", {"format", "id", "title", "version", "locale", "disclosure", "disclaimer",
                               "instrument", "start", "crisis", "commands", "texts", "states"})) {
      return script;
    }
    if (auto format = in_.Int(root, "", "format", true); format && *format != 1) {
      in_.Fail("/format", "unsupported format " + std::to_string(*format) + " (this screener reads format 1)");
    }
    script.id = in_.String(root, "", "id", true).value_or("");
    static const std::regex kIdPattern("[a-z0-9][a-z0-9-]{0,63}");
    if (!script.id.empty() && !std::regex_match(script.id, kIdPattern)) {
      in_.Fail("/id", "must be lower-case letters, digits and '-' (at most 64), found \"" + script.id + "\"");
    }
    script.title = in_.String(root, "", "title", true).value_or("");
    script.version = in_.String(root, "", "version", true).value_or("");
    script.locale = in_.String(root, "", "locale", true).value_or("en");
    script.disclosure = in_.String(root, "", "disclosure", true).value_or("");
    script.disclaimer = in_.String(root, "", "disclaimer", true).value_or("");
    script.start = in_.String(root, "", "start", true).value_or("");
    if (root.contains("instrument")) script.instrument = ParseInstrument(root["instrument"]);
    ParseCrisis(root, &script.crisis);
    ParseCommands(root, script);
    ParseTexts(root, script);
    ParseStates(root, script);
    return script;
  }

 private:
  Instrument ParseInstrument(const json& j) {
    Instrument instrument;
    if (!in_.Object(j, "/instrument", {"name", "source", "licence", "validated"})) return instrument;
    instrument.name = in_.String(j, "/instrument", "name", true).value_or("");
    instrument.source = in_.String(j, "/instrument", "source", true).value_or("");
    instrument.licence = in_.String(j, "/instrument", "licence", true).value_or("");
    instrument.validated = in_.Bool(j, "/instrument", "validated", true).value_or(false);
    return instrument;
  }

  void ParseCrisis(const json& root, CrisisPolicy* policy) {
    if (!root.contains("crisis")) {
      in_.Fail("/", "missing required field \"crisis\"");
      return;
    }
    const json& j = root["crisis"];
    const std::string p = "/crisis";
    if (!in_.Object(j, p, {"patterns", "resources", "escalation", "escalation_other", "check", "check_no",
                           "after", "hold", "resumed"})) {
      return;
    }
    policy->pattern_files = in_.Strings(j, p, "patterns", true).value_or(std::vector<std::string>{});
    if (j.contains("patterns") && j["patterns"].is_array() && j["patterns"].empty()) {
      in_.Fail(p + "/patterns", "must name at least one pattern file");
    }
    policy->resources_file = in_.String(j, p, "resources", true).value_or("");
    policy->escalation = in_.String(j, p, "escalation", true).value_or("");
    policy->escalation_other = in_.String(j, p, "escalation_other", true).value_or("");
    policy->check = in_.String(j, p, "check", true).value_or("");
    policy->check_no = in_.String(j, p, "check_no", true).value_or("");
    std::string after = in_.String(j, p, "after", true).value_or("hold");
    if (after == "hold") {
      policy->after = CrisisAfter::kHold;
    } else if (after == "end") {
      policy->after = CrisisAfter::kEnd;
    } else {
      in_.Fail(p + "/after", "must be \"hold\" or \"end\", found \"" + after + "\"");
    }
    bool holds = policy->after == CrisisAfter::kHold;
    policy->hold = in_.String(j, p, "hold", holds).value_or("");
    policy->resumed = in_.String(j, p, "resumed", holds).value_or("");
  }

  void ParseCommands(const json& root, Script& script) {
    script.command_words = BuiltinCommandWords(script.locale);
    if (!root.contains("commands")) return;
    const json& j = root["commands"];
    if (!in_.Object(j, "/commands", {"help", "restart", "back", "stop", "resources", "skip"})) return;
    for (const auto& [name, words] : j.items()) {
      auto command = CommandFromName(name);
      if (!command) continue;
      auto extra = in_.Strings(j, "/commands", name, false);
      if (!extra) continue;
      for (std::string& w : *extra) script.command_words[*command].push_back(std::move(w));
    }
  }

  void ParseTexts(const json& root, Script& script) {
    script.texts = DefaultTexts(script.locale);
    if (!root.contains("texts")) {
      if (!HasBuiltins(script.locale)) {
        in_.Fail("/texts", "locale \"" + script.locale + "\" has no built-in texts: set every key of \"texts\"");
      }
      return;
    }
    const json& j = root["texts"];
    if (!j.is_object()) {
      in_.Fail("/texts", std::string("expected an object, found ") + j.type_name());
      return;
    }
    std::vector<std::string> keys = TextKeys();
    for (const auto& [key, value] : j.items()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string list;
        for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        in_.Fail(PointerAppend("/texts", key), "unknown text \"" + key + "\" (allowed: " + list + ")");
        continue;
      }
      if (auto text = in_.String(j, "/texts", key, true)) script.texts[key] = *text;
    }
    if (!HasBuiltins(script.locale)) {
      for (const auto& key : keys) {
        if (!j.contains(key)) in_.Fail("/texts", "missing text \"" + key + "\" (locale has no built-in texts)");
      }
    }
  }

  void ParseStates(const json& root, Script& script) {
    if (!root.contains("states")) {
      in_.Fail("/", "missing required field \"states\"");
      return;
    }
    const json& states = root["states"];
    if (!states.is_object()) {
      in_.Fail("/states", std::string("expected an object, found ") + states.type_name());
      return;
    }
    if (states.empty()) in_.Fail("/states", "a script needs at least one state");
    for (const auto& [id, j] : states.items()) {
      State state = ParseState(id, j, script.locale);
      if (state.step > script.steps) script.steps = state.step;
      script.state_order.push_back(id);
      script.states.emplace(id, std::move(state));
    }
  }

  State ParseState(const std::string& id, const json& j, const std::string& locale) {
    State s;
    s.id = id;
    s.pointer = PointerAppend("/states", id);
    const std::string& p = s.pointer;
    if (id.empty() || id.find_first_of(" \t\n") != std::string::npos) {
      in_.Fail(p, "a state id must be a non-empty word without spaces");
    }
    if (!j.is_object()) {
      in_.Fail(p, std::string("expected an object, found ") + j.type_name());
      return s;
    }
    std::string kind_name = in_.String(j, p, "kind", true).value_or("");
    auto kind = KindFromName(kind_name);
    if (!kind) {
      if (!kind_name.empty()) {
        in_.Fail(p + "/kind", "unknown kind \"" + kind_name + "\" (allowed: say, ask, result, end)");
      }
      return s;
    }
    s.kind = *kind;
    switch (s.kind) {
      case StateKind::kSay:
        in_.Object(j, p, {"kind", "messages", "next"});
        s.messages = in_.Strings(j, p, "messages", true).value_or(std::vector<std::string>{});
        s.next = ParseTransition(j, p, "next", true);
        break;
      case StateKind::kEnd:
        in_.Object(j, p, {"kind", "messages"});
        s.messages = in_.Strings(j, p, "messages", true).value_or(std::vector<std::string>{});
        break;
      case StateKind::kAsk:
        ParseAsk(j, s, locale);
        break;
      case StateKind::kResult:
        ParseResult(j, s);
        break;
    }
    if (s.kind != StateKind::kAsk && s.messages.empty() && j.contains("messages")) {
      in_.Fail(p + "/messages", "must hold at least one message");
    }
    return s;
  }

  void ParseAsk(const json& j, State& s, const std::string& locale) {
    const std::string& p = s.pointer;
    in_.Object(j, p, {"kind", "messages", "answer", "step", "score", "var", "on", "next", "reprompt",
                      "max_unclear", "fallback", "escalate"});
    s.messages = in_.Strings(j, p, "messages", true).value_or(std::vector<std::string>{});
    if (j.contains("messages") && j["messages"].is_array() && j["messages"].empty()) {
      in_.Fail(p + "/messages", "a question needs at least one message");
    }
    if (j.contains("answer")) {
      s.answer = ParseAnswer(j["answer"], p + "/answer", locale);
    } else {
      in_.Fail(p, "missing required field \"answer\"");
    }
    s.step = in_.Int(j, p, "step", false).value_or(0);
    if (j.contains("step") && s.step < 1) in_.Fail(p + "/step", "steps count from 1");
    s.score = in_.String(j, p, "score", false).value_or("");
    s.var = in_.String(j, p, "var", false).value_or("");
    if (s.var == kCrisisVar) in_.Fail(p + "/var", "\"crisis\" is built in (set when a crisis reply is shown); pick another name");
    s.reprompt = in_.String(j, p, "reprompt", false).value_or("");
    if (auto max = in_.Int(j, p, "max_unclear", false)) {
      s.max_unclear_given = true;
      s.max_unclear = *max;
      if (*max < 1 || *max > 10) in_.Fail(p + "/max_unclear", "must be between 1 and 10");
    }
    s.fallback = ParseTransition(j, p, "fallback", false);
    s.next = ParseTransition(j, p, "next", false);
    if (j.contains("on")) {
      const json& on = j["on"];
      if (!on.is_object()) {
        in_.Fail(p + "/on", std::string("expected an object of option id to state, found ") + on.type_name());
      } else {
        for (const auto& item : on.items()) {
          const std::string option_id = item.key();  // a plain name: lambdas cannot capture bindings (C++20)
          bool known = std::any_of(s.answer.options.begin(), s.answer.options.end(),
                                   [&](const Option& o) { return o.id == option_id; });
          if (!known) {
            in_.Fail(PointerAppend(p + "/on", option_id), "\"" + option_id + "\" is not an option of this question");
            continue;
          }
          if (auto t = ParseTransition(on, p + "/on", option_id, true)) s.on[option_id] = std::move(*t);
        }
      }
    }
    if (s.answer.type == AnswerType::kText && !s.on.empty()) {
      in_.Fail(p + "/on", "a text answer has no options to branch on; use \"next\"");
    }
    bool every_option_routed = !s.answer.options.empty() &&
        std::all_of(s.answer.options.begin(), s.answer.options.end(),
                    [&](const Option& o) { return s.on.count(o.id) > 0; });
    if (!s.next && !every_option_routed) {
      in_.Fail(p, "needs \"next\", or an \"on\" entry for every option");
    }
    if (j.contains("escalate")) {
      const json& e = j["escalate"];
      std::string ep = p + "/escalate";
      if (in_.Object(e, ep, {"on", "on_unclear", "category"})) {
        Escalation escalation;
        escalation.on = in_.Strings(e, ep, "on", !e.contains("on_unclear")).value_or(std::vector<std::string>{});
        escalation.on_unclear = in_.Bool(e, ep, "on_unclear", false).value_or(false);
        if (escalation.on_unclear && !s.fallback) in_.Fail(ep + "/on_unclear", "needs a \"fallback\" to go on to");
        escalation.category = in_.String(e, ep, "category", true).value_or("");
        for (size_t i = 0; i < escalation.on.size(); ++i) {
          bool known = std::any_of(s.answer.options.begin(), s.answer.options.end(),
                                   [&](const Option& o) { return o.id == escalation.on[i]; });
          if (!known) in_.Fail(PointerAppend(ep + "/on", i), "\"" + escalation.on[i] + "\" is not an option of this question");
        }
        static const std::set<std::string> kCategories = {"suicide", "self_harm", "harm_to_others", "danger"};
        if (!escalation.category.empty() && !kCategories.count(escalation.category)) {
          in_.Fail(ep + "/category", "unknown category \"" + escalation.category +
                                         "\" (allowed: suicide, self_harm, harm_to_others, danger)");
        }
        s.escalate = std::move(escalation);
      }
    }
  }

  Answer ParseAnswer(const json& j, const std::string& p, const std::string& locale) {
    Answer answer;
    if (!in_.Object(j, p, {"type", "options", "add_synonyms"})) return answer;
    std::string type_name = in_.String(j, p, "type", true).value_or("");
    auto type = AnswerTypeFromName(type_name);
    if (!type) {
      if (!type_name.empty()) {
        in_.Fail(p + "/type", "unknown answer type \"" + type_name + "\" (allowed: yes_no, frequency, choice, text)");
      }
      return answer;
    }
    answer.type = *type;
    std::vector<Option> builtins = BuiltinOptions(answer.type, locale);
    if (!j.contains("options")) {
      if (answer.type == AnswerType::kChoice) in_.Fail(p, "a choice needs \"options\"");
      answer.options = builtins;
      AddSynonyms(j, p, answer);
      return answer;
    }
    if (answer.type == AnswerType::kText) {
      in_.Fail(p + "/options", "a text answer takes no options");
      return answer;
    }
    const json& options = j["options"];
    std::string op = p + "/options";
    if (!options.is_array() || options.empty()) {
      in_.Fail(op, "expected a non-empty list of options");
      return answer;
    }
    std::set<std::string> ids, keys;
    for (size_t i = 0; i < options.size(); ++i) {
      std::string here = PointerAppend(op, i);
      const json& o = options[i];
      if (!in_.Object(o, here, {"id", "label", "synonyms", "value", "key"})) continue;
      Option option;
      option.id = in_.String(o, here, "id", true).value_or("");
      option.label = in_.String(o, here, "label", true).value_or("");
      option.synonyms = in_.Strings(o, here, "synonyms", false).value_or(std::vector<std::string>{});
      option.value = in_.Int(o, here, "value", false).value_or(0);
      option.key = in_.String(o, here, "key", false).value_or("");
      if (option.key.empty()) {
        option.key = answer.type == AnswerType::kChoice ? std::to_string(i + 1) : "";
      }
      if (!option.id.empty() && !ids.insert(option.id).second) {
        in_.Fail(here + "/id", "duplicate option id \"" + option.id + "\"");
      }
      if (!option.key.empty() && !keys.insert(FoldForMatching(option.key)).second) {
        in_.Fail(here + "/key", "duplicate key \"" + option.key + "\"");
      }
      answer.options.push_back(std::move(option));
    }
    if (answer.type != AnswerType::kChoice) {
      // Replacing built-in options keeps their ids, so branching and scoring mean the same.
      std::set<std::string> expected;
      for (const Option& b : builtins) expected.insert(b.id);
      if (ids != expected) {
        std::string list;
        for (const auto& id : expected) list += (list.empty() ? "" : ", ") + id;
        in_.Fail(op, "options of a " + std::string(answer.type == AnswerType::kYesNo ? "yes_no" : "frequency") +
                         " answer must have the ids " + list);
      }
      for (Option& option : answer.options) {
        for (const Option& b : builtins) {
          if (b.id == option.id && option.key.empty()) option.key = b.key;
        }
      }
    }
    AddSynonyms(j, p, answer);
    return answer;
  }

  // "add_synonyms": {"yes": ["let's go"]} adds words to options without
  // restating the built-in ones.
  void AddSynonyms(const json& j, const std::string& p, Answer& answer) {
    if (!j.contains("add_synonyms")) return;
    const json& add = j["add_synonyms"];
    std::string ap = p + "/add_synonyms";
    if (!add.is_object()) {
      in_.Fail(ap, std::string("expected an object of option id to words, found ") + add.type_name());
      return;
    }
    for (const auto& item : add.items()) {
      const std::string option_id = item.key();
      auto option = std::find_if(answer.options.begin(), answer.options.end(),
                                 [&](const Option& o) { return o.id == option_id; });
      if (option == answer.options.end()) {
        in_.Fail(PointerAppend(ap, option_id), "\"" + option_id + "\" is not an option of this question");
        continue;
      }
      auto extra = in_.Strings(add, ap, option_id, true);
      if (extra) option->synonyms.insert(option->synonyms.end(), extra->begin(), extra->end());
    }
  }

  void ParseResult(const json& j, State& s) {
    const std::string& p = s.pointer;
    in_.Object(j, p, {"kind", "score", "bands", "messages", "var", "next"});
    s.score = in_.String(j, p, "score", true).value_or("");
    s.var = in_.String(j, p, "var", false).value_or("");
    s.messages = in_.Strings(j, p, "messages", false).value_or(std::vector<std::string>{});
    s.next = ParseTransition(j, p, "next", true);
    if (!j.contains("bands")) {
      in_.Fail(p, "missing required field \"bands\"");
      return;
    }
    const json& bands = j["bands"];
    if (!bands.is_array() || bands.empty()) {
      in_.Fail(p + "/bands", "expected a non-empty list of bands");
      return;
    }
    for (size_t i = 0; i < bands.size(); ++i) {
      std::string here = PointerAppend(p + "/bands", i);
      if (!in_.Object(bands[i], here, {"min", "max", "label", "messages"})) continue;
      Band band;
      band.min = in_.Int(bands[i], here, "min", true).value_or(0);
      band.max = in_.Int(bands[i], here, "max", true).value_or(0);
      band.label = in_.String(bands[i], here, "label", true).value_or("");
      band.messages = in_.Strings(bands[i], here, "messages", true).value_or(std::vector<std::string>{});
      if (band.min > band.max) in_.Fail(here, "min is greater than max");
      s.bands.push_back(std::move(band));
    }
  }

  std::optional<Transition> ParseTransition(const json& object, const std::string& pointer, std::string_view key,
                                            bool required) {
    if (!object.is_object()) return std::nullopt;
    auto it = object.find(std::string(key));
    std::string here = PointerAppend(pointer, key);
    if (it == object.end()) {
      if (required) in_.Fail(pointer, "missing required field \"" + std::string(key) + "\"");
      return std::nullopt;
    }
    Transition transition;
    if (it->is_string()) {
      if (it->get<std::string>().empty()) {
        in_.Fail(here, "must name a state");
        return std::nullopt;
      }
      transition.push_back(Rule{std::nullopt, it->get<std::string>()});
      return transition;
    }
    if (!it->is_array() || it->empty()) {
      in_.Fail(here, "expected a state id or a non-empty list of rules");
      return std::nullopt;
    }
    for (size_t i = 0; i < it->size(); ++i) {
      std::string rp = PointerAppend(here, i);
      const json& r = (*it)[i];
      if (!in_.Object(r, rp, {"if", "goto"})) continue;
      Rule rule;
      rule.target = in_.String(r, rp, "goto", true).value_or("");
      if (r.contains("if")) rule.condition = ParseCondition(r["if"], rp + "/if");
      bool last = i + 1 == it->size();
      if (last && rule.condition) in_.Fail(rp, "the last rule must have no \"if\", so some rule always applies");
      if (!last && !rule.condition) in_.Fail(rp, "only the last rule may have no \"if\"; later rules would never apply");
      transition.push_back(std::move(rule));
    }
    return transition;
  }

  std::optional<Condition> ParseCondition(const json& j, const std::string& p) {
    if (!in_.Object(j, p, {"score", "at_least", "at_most", "var", "is", "is_not"})) return std::nullopt;
    Condition c;
    c.score = in_.String(j, p, "score", false).value_or("");
    c.at_least = in_.Int(j, p, "at_least", false);
    c.at_most = in_.Int(j, p, "at_most", false);
    c.var = in_.String(j, p, "var", false).value_or("");
    c.is = in_.String(j, p, "is", false);
    c.is_not = in_.String(j, p, "is_not", false);
    if (c.score.empty() == c.var.empty()) {
      in_.Fail(p, "a condition names exactly one of \"score\" or \"var\"");
    } else if (!c.score.empty() && !c.at_least && !c.at_most) {
      in_.Fail(p, "a score condition needs \"at_least\" or \"at_most\"");
    } else if (!c.score.empty() && (c.is || c.is_not)) {
      in_.Fail(p, "\"is\" and \"is_not\" apply to a \"var\", not a score");
    } else if (!c.var.empty() && (c.is.has_value() == c.is_not.has_value())) {
      in_.Fail(p, "a var condition needs exactly one of \"is\" or \"is_not\"");
    } else if (!c.var.empty() && (c.at_least || c.at_most)) {
      in_.Fail(p, "\"at_least\" and \"at_most\" apply to a \"score\", not a var");
    }
    return c;
  }

  JsonReader in_;
};

// nlohmann::json sorts object keys; lint messages and graphs read better in
// the order the author wrote the states, so take that order from a second,
// order-keeping parse (load time only).
void KeepWrittenOrder(std::string_view json_text, Script* script) {
  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(json_text, nullptr, false);
  if (ordered.is_discarded() || !ordered.is_object() || !ordered.contains("states") ||
      !ordered["states"].is_object()) {
    return;
  }
  std::vector<std::string> order;
  for (const auto& [id, state] : ordered["states"].items()) order.push_back(id);
  if (order.size() == script->state_order.size()) script->state_order = std::move(order);
}

}  // namespace

Result<Script> ParseScript(std::string_view json_text, const std::string& file) {
  Result<json> root = ParseJsonText(json_text, file);
  if (!root) return root.problems();
  Problems problems;
  ScriptParser parser(file, &problems);
  Script script = parser.Parse(*root);
  KeepWrittenOrder(json_text, &script);
  if (problems.empty()) CheckScriptGraph(script, &problems);
  if (!problems.empty()) return problems;
  return script;
}

Result<Script> LoadScript(const std::string& path) {
  Result<std::string> text = ReadFileText(path);
  if (!text) return text.problems();
  return ParseScript(*text, path);
}

}  // namespace screener
