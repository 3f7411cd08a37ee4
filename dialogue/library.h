// Loaded scripts with what running them needs: the crisis detector built
// from the script's pattern files, its resource directory, and the answer
// matchers of its questions. Built once at start-up by the composition root
// (the CLI's or the server's main), then shared, immutable, by every
// conversation on every thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dialogue/answer_matcher.h"
#include "dialogue/crisis/assessment.h"
#include "dialogue/crisis/resources.h"
#include "dialogue/result.h"
#include "dialogue/script.h"

namespace screener {

struct LoadedScript {
  Script script;
  std::shared_ptr<const crisis::Detector> detector;
  std::shared_ptr<const crisis::ResourceDirectory> resources;
  std::map<std::string, AnswerMatcher> matchers;  // ask state id -> matcher
  AnswerMatcher yes_no;                           // for the safety check question
  std::map<std::string, Command> command_words;   // folded word -> command
  std::vector<std::string> continue_words;        // folded

  LoadedScript(Script s, std::shared_ptr<const crisis::Detector> d,
               std::shared_ptr<const crisis::ResourceDirectory> r);
};

// How pattern files become a detector. The composition root passes
// crisis::LoadDetector; tests pass a double.
using DetectorLoader =
    std::function<Result<std::shared_ptr<const crisis::Detector>>(const std::vector<std::string>& pattern_files)>;

// Loads scripts and shares crisis assets between scripts that name the same
// files, so ten scripts do not compile ten pattern sets.
class ScriptLoader {
 public:
  explicit ScriptLoader(DetectorLoader detector_loader) : detector_loader_(std::move(detector_loader)) {}

  Result<std::shared_ptr<const LoadedScript>> Load(const std::string& path);

 private:
  DetectorLoader detector_loader_;
  std::map<std::vector<std::string>, std::shared_ptr<const crisis::Detector>> detectors_;
  std::map<std::string, std::shared_ptr<const crisis::ResourceDirectory>> resources_;
};

// Every *.json script of a folder, by id.
class ScriptLibrary {
 public:
  // Loads every script file (*.json directly in `folder`); problems from all
  // files are reported together, and duplicate ids are an error.
  static Result<ScriptLibrary> LoadFolder(const std::string& folder, ScriptLoader& loader);

  std::shared_ptr<const LoadedScript> Find(const std::string& id) const;
  std::vector<std::string> Ids() const;
  bool empty() const { return by_id_.empty(); }

  void Add(std::shared_ptr<const LoadedScript> script) { by_id_[script->script.id] = std::move(script); }

 private:
  std::map<std::string, std::shared_ptr<const LoadedScript>> by_id_;
};

}  // namespace screener
