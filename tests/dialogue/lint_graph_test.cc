#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dialogue/graph.h"
#include "dialogue/lint.h"
#include "tests/dialogue/fixtures.h"

namespace screener {
namespace {

using json = nlohmann::ordered_json;  // keeps the states in written order

Script Parse(const std::function<void(json&)>& edit = [](json&) {}) {
  json j = json::parse(testing::SampleScriptJson());
  edit(j);
  auto script = ParseScript(j.dump(), "s.json");
  EXPECT_TRUE(script.ok()) << script.error();
  return script.ok() ? *script : Script{};
}

std::vector<std::string> Lint(const Script& s) {
  std::vector<std::string> out;
  for (const auto& p : LintScript(s)) out.push_back(p.ToString());
  return out;
}

TEST(Lint, SampleIsClean) { EXPECT_EQ(Lint(Parse()), std::vector<std::string>{}); }

TEST(Lint, QuestionsNeedRepromptRetryCapAndFallback) {
  auto problems = Lint(Parse([](json& j) {
    j["states"]["q2"].erase("reprompt");
    j["states"]["q2"].erase("max_unclear");
    j["states"]["q2"].erase("fallback");
  }));
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "s.json: /states/q2: question has no \"reprompt\" for unclear replies",
                          "s.json: /states/q2: question has no \"max_unclear\" retry cap",
                          "s.json: /states/q2: question has no \"fallback\" for when replies stay unclear"}));
}

TEST(Lint, EndingsNeedDisclaimerAndWayToResources) {
  auto problems = Lint(Parse([](json& j) { j["states"]["summary"]["messages"] = {"Thanks."}; }));
  EXPECT_EQ(problems, (std::vector<std::string>{
                          "s.json: /states/bye-yes: this ending (reached through \"summary\") does not say it is not a diagnosis",
                          "s.json: /states/bye-yes: this ending (reached through \"summary\") does not tell the "
                          "person how to reach help (mention \"resources\")",
                          "s.json: /states/bye: this ending (reached through \"summary\") does not say it is not a diagnosis",
                          "s.json: /states/bye: this ending (reached through \"summary\") does not tell the person "
                          "how to reach help (mention \"resources\")"}));
}

TEST(Lint, ConditionOnAVariableNothingSets) {
  auto problems = Lint(Parse([](json& j) { j["states"]["summary"]["next"][0]["if"]["var"] = "q9"; }));
  EXPECT_EQ(problems, (std::vector<std::string>{"s.json: /states/summary: condition on \"q9\", which no state sets"}));
}

TEST(Graph, DotHasEveryStateAndLabelledEdges) {
  std::string dot = ScriptToDot(Parse());
  EXPECT_EQ(dot.rfind("digraph \"sample\" {", 0), 0u);
  EXPECT_NE(dot.find("\"intro\" -> \"q1\" [label=\"yes\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"q1\" -> \"q2\" [label=\"unclear\", style=dashed];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"summary\" -> \"bye-yes\" [label=\"if q1 = yes\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"q1-follow\" [shape=box, style=rounded, label=\"q1-follow\\nask yes/no, escalates\"];"),
            std::string::npos)
      << dot;
  EXPECT_EQ(dot.back(), '\n');
}

TEST(Graph, MermaidFlowchart) {
  std::string mermaid = ScriptToMermaid(Parse());
  EXPECT_EQ(mermaid.rfind("flowchart TD\n", 0), 0u);
  EXPECT_NE(mermaid.find("s0(\"intro (ask yes/no)\")"), std::string::npos) << mermaid;
  EXPECT_NE(mermaid.find("s0 -->|yes| s1"), std::string::npos) << mermaid;
  EXPECT_NE(mermaid.find("-.->|unclear|"), std::string::npos) << mermaid;
}

}  // namespace
}  // namespace screener
