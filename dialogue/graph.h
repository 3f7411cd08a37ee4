// Draws a script's state machine for people: Graphviz DOT or Mermaid.
#pragma once

#include <string>

#include "dialogue/script.h"

namespace screener {

std::string ScriptToDot(const Script& script);
std::string ScriptToMermaid(const Script& script);

}  // namespace screener
