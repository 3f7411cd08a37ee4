// How the CLI loads scripts: with the real crisis detector, reporting
// problems on stderr in the "file: pointer: reason" form.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "dialogue/library.h"

namespace screener::cli {

// The loader every subcommand uses (the real crisis::LoadDetector).
ScriptLoader MakeScriptLoader();

// Loads one script; on failure prints every problem to `err` and returns null.
std::shared_ptr<const LoadedScript> LoadOrReport(ScriptLoader& loader, const std::string& path, std::ostream& err);

// True if `arg` is --help or -h.
bool IsHelp(const std::string& arg);

}  // namespace screener::cli
