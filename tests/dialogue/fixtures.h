// Shared test fixtures: a small script exercising every feature, a crisis
// detector double driven by keywords, and a resource directory.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "dialogue/conversation.h"
#include "dialogue/crisis/resources.h"
#include "dialogue/library.h"
#include "dialogue/script_loader.h"

namespace screener::testing {

// Says "crisis" for messages containing CRISIS (and "someone" makes it about
// someone else), "ask" for messages containing MAYBE.
class KeywordDetector : public crisis::Detector {
 public:
  crisis::Assessment Assess(std::string_view message) const override {
    crisis::Assessment a;
    bool other = message.find("someone") != std::string_view::npos;
    if (message.find("CRISIS") != std::string_view::npos) {
      a.level = crisis::Level::kCrisis;
      a.categories = {"suicide"};
    } else if (message.find("MAYBE") != std::string_view::npos) {
      a.level = crisis::Level::kAsk;
      a.categories = {"suicide"};
    }
    a.about_someone_else = other && a.level != crisis::Level::kNone;
    return a;
  }
};

inline const char* kResourcesJson = R"({
  "description": "test resources",
  "regions": {
    "US": [
      {"name": "988 Suicide & Crisis Lifeline", "description": "Call or text 988.", "phone": "988", "sms": "988",
       "url": "https://988lifeline.org", "hours": "24/7", "emergency": false, "languages": ["en", "es"],
       "source": "988lifeline.org", "last_verified": "2026-11-24"},
      {"name": "Emergency services", "description": "Call 911 if you are in immediate danger.", "phone": "911",
       "sms": "", "url": "", "hours": "24/7", "emergency": true, "languages": ["en"],
       "source": "911.gov", "last_verified": "2026-11-24"}
    ],
    "default": [
      {"name": "Find a Helpline", "description": "Free, confidential support near you.", "phone": "", "sms": "",
       "url": "https://findahelpline.com", "hours": "", "emergency": false, "languages": ["en"],
       "source": "findahelpline.com", "last_verified": "2026-11-24"}
    ]
  }
})";

// Two scored questions, a follow-up on a yes that can escalate, a result,
// and endings that lint accepts.
inline std::string SampleScriptJson(const std::string& after = "hold") {
  return R"({
  "format": 1, "id": "sample", "title": "Sample check", "version": "1.0.0", "locale": "en",
  "disclosure": "I'm an automated assistant, not a person.",
  "disclaimer": "This is not a diagnosis.",
  "start": "intro",
  "crisis": {
    "patterns": ["crisis/patterns-en.json"], "resources": "crisis/resources.json",
    "escalation": "ESCALATION", "escalation_other": "ESCALATION OTHER",
    "check": "CHECK?", "check_no": "CHECK NO", "after": ")" + after + R"(",
    "hold": "HOLD", "resumed": "RESUMED"
  },
  "states": {
    "intro": {"kind": "ask", "messages": ["Hello.", "Begin?"], "answer": {"type": "yes_no"},
              "reprompt": "Begin? Yes or no.", "max_unclear": 2, "fallback": "declined",
              "on": {"yes": "q1", "no": "declined"}},
    "q1": {"kind": "ask", "step": 1, "messages": ["Q1?"], "answer": {"type": "yes_no"}, "score": "total",
           "var": "q1", "reprompt": "Q1? Yes or no.", "max_unclear": 2, "fallback": "q2",
           "on": {"yes": "q1-follow"}, "next": "q2"},
    "q1-follow": {"kind": "ask", "messages": ["FOLLOW?"], "answer": {"type": "yes_no"},
                  "escalate": {"on": ["yes"], "category": "self_harm"},
                  "reprompt": "FOLLOW? Yes or no.", "max_unclear": 2, "fallback": "q2", "next": "q2"},
    "q2": {"kind": "ask", "step": 2, "messages": ["Q2?"], "answer": {"type": "frequency"}, "score": "total",
           "reprompt": "Q2? How often?", "max_unclear": 3, "fallback": "summary", "next": "summary"},
    "summary": {"kind": "result", "score": "total",
                "bands": [{"min": 0, "max": 0, "label": "none", "messages": ["NONE {score}"]},
                          {"min": 1, "max": 4, "label": "some", "messages": ["SOME {score}"]}],
                "messages": ["This is not a diagnosis. Say resources for help."],
                "next": [{"if": {"var": "q1", "is": "yes"}, "goto": "bye-yes"}, {"goto": "bye"}]},
    "bye-yes": {"kind": "end", "messages": ["BYE YES"]},
    "bye": {"kind": "end", "messages": ["BYE"]},
    "declined": {"kind": "end", "messages": ["Okay. This is not a diagnosis tool anyway; say resources for help."]}
  }
})";
}

inline std::shared_ptr<const LoadedScript> LoadSample(const std::string& json = SampleScriptJson()) {
  Result<Script> script = ParseScript(json, "sample.json");
  EXPECT_TRUE(script.ok()) << script.error();
  if (!script) return nullptr;
  auto resources = crisis::ResourceDirectory::Parse(kResourcesJson, "resources.json");
  EXPECT_TRUE(resources.ok()) << resources.error();
  if (!resources) return nullptr;
  return std::make_shared<const LoadedScript>(std::move(*script), std::make_shared<KeywordDetector>(),
                                              std::make_shared<const crisis::ResourceDirectory>(std::move(*resources)));
}

}  // namespace screener::testing
