// The words and sentences the engine brings itself, per locale: the built-in
// options of yes/no and frequency answers, the global command words, the
// words that resume a paused questionnaire, and the engine's own sentences.
// Scripts may add words and override sentences (docs/scripts.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialogue/script.h"

namespace screener {

// Locales with built-in words and sentences.
bool HasBuiltins(std::string_view locale);

// The options of a yes_no or frequency answer; empty for other types.
std::vector<Option> BuiltinOptions(AnswerType type, std::string_view locale);

std::map<Command, std::vector<std::string>> BuiltinCommandWords(std::string_view locale);

// Replies that resume a questionnaire paused after a crisis reply.
std::vector<std::string> ContinueWords(std::string_view locale);

// Phrases that make a reply unclear even if it contains an option's word
// ("no idea" is not "no").
std::vector<std::string> UnsurePhrases(std::string_view locale);

// Words that, right before an option's phrase, negate it ("not every day").
std::vector<std::string> NegatingWords(std::string_view locale);

// The engine's sentences; keys are documented in docs/scripts.md.
std::map<std::string, std::string> DefaultTexts(std::string_view locale);

// Every key a script's "texts" may set.
std::vector<std::string> TextKeys();

std::string_view CommandName(Command command);
std::optional<Command> CommandFromName(std::string_view name);

}  // namespace screener
