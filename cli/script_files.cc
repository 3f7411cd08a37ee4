#include "cli/script_files.h"

#include "dialogue/crisis/detector.h"

namespace screener::cli {

ScriptLoader MakeScriptLoader() {
  return ScriptLoader([](const std::vector<std::string>& files) { return crisis::LoadDetector(files); });
}

std::shared_ptr<const LoadedScript> LoadOrReport(ScriptLoader& loader, const std::string& path, std::ostream& err) {
  auto loaded = loader.Load(path);
  if (!loaded) {
    for (const Problem& p : loaded.problems()) err << p.ToString() << "\n";
    return nullptr;
  }
  return *loaded;
}

bool IsHelp(const std::string& arg) { return arg == "--help" || arg == "-h"; }

}  // namespace screener::cli
