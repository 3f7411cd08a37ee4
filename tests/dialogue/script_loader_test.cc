#include "dialogue/script_loader.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/dialogue/fixtures.h"

namespace screener {
namespace {

using json = nlohmann::ordered_json;  // keeps the states in written order

// The sample script with one change applied through a JSON patch-like edit.
std::string Edited(const std::function<void(json&)>& edit) {
  json j = json::parse(testing::SampleScriptJson());
  edit(j);
  return j.dump(2);
}

std::vector<std::string> Errors(const std::string& text) {
  auto script = ParseScript(text, "s.json");
  std::vector<std::string> out;
  if (!script) {
    for (const auto& p : script.problems()) out.push_back(p.ToString());
  }
  return out;
}

TEST(ScriptLoader, SampleLoads) {
  auto script = ParseScript(testing::SampleScriptJson(), "s.json");
  ASSERT_TRUE(script.ok()) << script.error();
  EXPECT_EQ(script->id, "sample");
  EXPECT_EQ(script->steps, 2);
  EXPECT_EQ(script->states.at("q2").answer.options.size(), 4u);
  EXPECT_EQ(script->state_order.front(), "intro");
}

TEST(ScriptLoader, InvalidJsonSaysWhichLine) {
  EXPECT_EQ(Errors("{\n  \"id\": \"x\",\n  oops\n}"),
            (std::vector<std::string>{"s.json: line 3: invalid JSON: syntax error while parsing object key - invalid "
                                      "literal; last read: '\"x\",<U+000A>  o'; expected string literal"}));
}

// nlohmann throws out_of_range, not parse_error, for a number a double
// cannot hold: it must be a problem, not a crash (found by fuzz_script).
TEST(ScriptLoader, ANumberTooLargeForADoubleIsAProblem) {
  EXPECT_EQ(Errors("{\n  \"id\": \"x\",\n  \"steps\": 1e999\n}"),
            (std::vector<std::string>{"s.json: invalid JSON: number overflow parsing '1e999'"}));
}

struct ErrorCase {
  const char* name;
  std::function<void(json&)> edit;
  std::string expected;
};

TEST(ScriptLoader, RejectsBadScriptsWithFilePointerAndReason) {
  const std::vector<ErrorCase> cases = {
      {"unknown top-level field", [](json& j) { j["titel"] = "x"; },
       "s.json: /titel: unknown field \"titel\" (allowed: format, id, title, version, locale, disclosure, "
       "disclaimer, instrument, start, crisis, commands, texts, states)"},
      {"unknown state field", [](json& j) { j["states"]["q1"]["mesages"] = json::array({"x"}); },
       "s.json: /states/q1/mesages: unknown field \"mesages\" (allowed: kind, messages, answer, step, score, var, "
       "on, next, reprompt, max_unclear, fallback, escalate)"},
      {"missing target", [](json& j) { j["states"]["q2"]["next"] = "sumary"; },
       "s.json: /states/q2/next: no state named \"sumary\""},
      {"missing target in a rule", [](json& j) { j["states"]["summary"]["next"][1]["goto"] = "nowhere"; },
       "s.json: /states/summary/next/1/goto: no state named \"nowhere\""},
      {"missing start", [](json& j) { j["start"] = "begin"; }, "s.json: /start: no state named \"begin\""},
      {"unreachable state", [](json& j) { j["states"]["orphan"] = {{"kind", "end"}, {"messages", {"x"}}}; },
       "s.json: /states/orphan: unreachable from \"intro\""},
      {"dead end",
       [](json& j) {
         j["states"]["loop"] = {{"kind", "ask"}, {"messages", {"again?"}}, {"answer", {{"type", "yes_no"}}},
                                {"next", "loop"}};
         j["states"]["q2"]["next"] = "loop";
         j["states"]["q2"]["fallback"] = "loop";
       },
       "s.json: /states/loop: dead end: no \"end\" state can be reached from here"},
      {"bands do not cover the reachable range",
       [](json& j) { j["states"]["summary"]["bands"][1]["max"] = 3; },
       "s.json: /states/summary/bands: bands cover 0..3 but \"total\" can be 0..4 here"},
      {"gap between bands", [](json& j) { j["states"]["summary"]["bands"][1]["min"] = 2; },
       "s.json: /states/summary/bands: no band covers scores 1..1"},
      {"overlapping bands", [](json& j) { j["states"]["summary"]["bands"][1]["min"] = 0; },
       "s.json: /states/summary/bands: bands \"none\" and \"some\" overlap"},
      {"duplicate option ids",
       [](json& j) {
         j["states"]["q1"]["answer"] = {{"type", "choice"},
                                        {"options", {{{"id", "a"}, {"label", "A"}}, {{"id", "a"}, {"label", "B"}}}}};
         j["states"]["q1"]["on"] = json::object();
       },
       "s.json: /states/q1/answer/options/1/id: duplicate option id \"a\""},
      {"empty synonym",
       [](json& j) {
         j["states"]["q1"]["answer"] = {
             {"type", "choice"},
             {"options", {{{"id", "a"}, {"label", "A"}, {"synonyms", {"fine", ""}}}, {{"id", "b"}, {"label", "B"}}}}};
         j["states"]["q1"]["on"] = json::object();
       },
       "s.json: /states/q1/answer/options/0/synonyms/1: must not be empty"},
      {"on names an unknown option", [](json& j) { j["states"]["q1"]["on"]["maybe"] = "q2"; },
       "s.json: /states/q1/on/maybe: \"maybe\" is not an option of this question"},
      {"unknown kind", [](json& j) { j["states"]["bye"]["kind"] = "finish"; },
       "s.json: /states/bye/kind: unknown kind \"finish\" (allowed: say, ask, result, end)"},
      {"unknown answer type", [](json& j) { j["states"]["q2"]["answer"]["type"] = "likert"; },
       "s.json: /states/q2/answer/type: unknown answer type \"likert\" (allowed: yes_no, frequency, choice, text)"},
      {"wrong type", [](json& j) { j["states"]["q2"]["step"] = "two"; },
       "s.json: /states/q2/step: expected a whole number between -1000000 and 1000000"},
      {"missing required field", [](json& j) { j.erase("disclaimer"); },
       "s.json: /: missing required field \"disclaimer\""},
      {"conditional last rule", [](json& j) { j["states"]["summary"]["next"][1]["if"] = {{"score", "total"}, {"at_least", 1}}; },
       "s.json: /states/summary/next/1: the last rule must have no \"if\", so some rule always applies"},
      {"step gap", [](json& j) { j["states"]["q2"]["step"] = 3; },
       "s.json: /states: steps must run 1..3 without gaps; no question has step 2"},
      {"bad crisis policy", [](json& j) { j["crisis"]["after"] = "continue"; },
       "s.json: /crisis/after: must be \"hold\" or \"end\", found \"continue\""},
      {"unknown escalation category", [](json& j) { j["states"]["q1-follow"]["escalate"]["category"] = "sad"; },
       "s.json: /states/q1-follow/escalate/category: unknown category \"sad\" (allowed: suicide, self_harm, "
       "harm_to_others, danger)"},
      {"say loop",
       [](json& j) {
         j["states"]["a"] = {{"kind", "say"}, {"messages", {"a"}}, {"next", "b"}};
         j["states"]["b"] = {{"kind", "say"}, {"messages", {"b"}}, {"next", json::array({{{"if", {{"var", "q1"}, {"is", "yes"}}}, {"goto", "a"}}, {{"goto", "bye"}}})}};
         j["states"]["q2"]["next"] = "a";
       },
       "s.json: /states/b: a loop of say/result states through \"a\" never waits for an answer"},
      {"bad id", [](json& j) { j["id"] = "My Script"; },
       "s.json: /id: must be lower-case letters, digits and '-' (at most 64), found \"My Script\""},
  };
  for (const ErrorCase& c : cases) {
    std::vector<std::string> errors = Errors(Edited(c.edit));
    EXPECT_NE(std::find(errors.begin(), errors.end(), c.expected), errors.end())
        << c.name << "\nexpected: " << c.expected << "\ngot:\n"
        << ::testing::PrintToString(errors);
  }
}

TEST(ScriptLoader, ReportsEveryProblemAtOnce) {
  std::vector<std::string> errors = Errors(Edited([](json& j) {
    j["titel"] = "x";
    j["states"]["q1"]["mesages"] = json::array({"x"});
    j["crisis"]["after"] = "maybe";
  }));
  EXPECT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
}

TEST(ScriptLoader, MissingFileIsAClearError) {
  auto script = LoadScript("no/such/script.json");
  EXPECT_EQ(script.error(), "no/such/script.json: cannot open file");
}

TEST(ScriptLoader, ReachableScoreRangeFollowsBranches) {
  auto script = ParseScript(testing::SampleScriptJson(), "s.json");
  ASSERT_TRUE(script.ok());
  ScoreRange range = ReachableScoreRange(*script, "summary", "total");
  EXPECT_EQ(range.min, 0);
  EXPECT_EQ(range.max, 4);
  range = ReachableScoreRange(*script, "q2", "total");
  EXPECT_EQ(range.max, 1);
}

}  // namespace
}  // namespace screener
