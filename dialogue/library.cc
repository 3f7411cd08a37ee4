#include "dialogue/library.h"

#include <algorithm>
#include <filesystem>

#include "dialogue/builtins.h"
#include "dialogue/script_loader.h"
#include "dialogue/text.h"

namespace screener {

namespace fs = std::filesystem;

LoadedScript::LoadedScript(Script s, std::shared_ptr<const crisis::Detector> d,
                           std::shared_ptr<const crisis::ResourceDirectory> r)
    : script(std::move(s)),
      detector(std::move(d)),
      resources(std::move(r)),
      yes_no(BuiltinOptions(AnswerType::kYesNo, script.locale), script.locale) {
  for (const auto& [id, state] : script.states) {
    if (state.kind == StateKind::kAsk && state.answer.type != AnswerType::kText) {
      matchers.emplace(id, AnswerMatcher(state.answer.options, script.locale));
    }
  }
  for (const auto& [command, words] : script.command_words) {
    for (const std::string& w : words) command_words[FoldForMatching(w)] = command;
  }
  for (const std::string& w : ContinueWords(script.locale)) continue_words.push_back(FoldForMatching(w));
}

Result<std::shared_ptr<const LoadedScript>> ScriptLoader::Load(const std::string& path) {
  Result<Script> script = LoadScript(path);
  if (!script) return script.problems();

  // Crisis files are named relative to the script's folder.
  fs::path folder = fs::path(path).parent_path();
  std::vector<std::string> pattern_files;
  for (const std::string& f : script->crisis.pattern_files) pattern_files.push_back((folder / f).lexically_normal());
  std::string resources_file = (folder / script->crisis.resources_file).lexically_normal();

  Problems problems;
  std::shared_ptr<const crisis::Detector> detector;
  if (auto it = detectors_.find(pattern_files); it != detectors_.end()) {
    detector = it->second;
  } else if (auto loaded = detector_loader_(pattern_files)) {
    detector = detectors_[pattern_files] = *loaded;
  } else {
    for (Problem p : loaded.problems()) {
      p.reason = "crisis patterns: " + p.reason;
      problems.push_back(std::move(p));
    }
    problems.push_back({path, "/crisis/patterns", "the crisis pattern files do not load"});
  }

  std::shared_ptr<const crisis::ResourceDirectory> resources;
  if (auto it = resources_.find(resources_file); it != resources_.end()) {
    resources = it->second;
  } else if (auto loaded = crisis::ResourceDirectory::Load(resources_file)) {
    resources = resources_[resources_file] = std::make_shared<const crisis::ResourceDirectory>(std::move(*loaded));
  } else {
    for (const Problem& p : loaded.problems()) problems.push_back(p);
    problems.push_back({path, "/crisis/resources", "the resource directory does not load"});
  }
  if (!problems.empty()) return problems;
  return std::make_shared<const LoadedScript>(std::move(*script), std::move(detector), std::move(resources));
}

Result<ScriptLibrary> ScriptLibrary::LoadFolder(const std::string& folder, ScriptLoader& loader) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return Problem{folder, "", "not a folder of scripts"};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  ScriptLibrary library;
  Problems problems;
  std::map<std::string, std::string> file_of_id;
  for (const std::string& file : files) {
    auto loaded = loader.Load(file);
    if (!loaded) {
      problems.insert(problems.end(), loaded.problems().begin(), loaded.problems().end());
      continue;
    }
    const std::string& id = (*loaded)->script.id;
    if (auto [it, fresh] = file_of_id.emplace(id, file); !fresh) {
      problems.push_back({file, "/id", "duplicate script id \"" + id + "\" (also in " + it->second + ")"});
      continue;
    }
    library.Add(*loaded);
  }
  if (!problems.empty()) return problems;
  if (library.empty()) return Problem{folder, "", "no scripts (*.json) found"};
  return library;
}

std::shared_ptr<const LoadedScript> ScriptLibrary::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::string> ScriptLibrary::Ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, s] : by_id_) ids.push_back(id);
  return ids;
}

}  // namespace screener
