// Engine micro-benchmarks: turns per second through the shipped scripts,
// crisis detection included, and the cost of saving and restoring a
// conversation (what a resume or a restart pays).
#include <benchmark/benchmark.h>

#include "cli/script_files.h"
#include "dialogue/conversation.h"

namespace {

using screener::Conversation;
using screener::ConversationOptions;

std::shared_ptr<const screener::LoadedScript> Load(const char* path) {
  static screener::ScriptLoader loader = screener::cli::MakeScriptLoader();
  auto script = loader.Load(std::string(SCREENER_SOURCE_DIR) + "/" + path);
  if (!script) {
    fprintf(stderr, "%s\n", script.error().c_str());
    std::abort();
  }
  return *script;
}

// One whole PHQ-9 (consent, nine items, functional question, summary) per
// iteration, answered in words; items = turns.
void BM_Phq9WholeConversation(benchmark::State& state) {
  auto script = Load("scripts/phq9.json");
  const std::vector<std::string> answers = {"yes", "several days", "most days", "nearly every day", "not at all",
                                            "2", "a few days", "never", "sometimes", "not at all", "somewhat difficult"};
  int64_t turns = 0;
  for (auto _ : state) {
    Conversation c(script, ConversationOptions{"US"});
    benchmark::DoNotOptimize(c.Start());
    for (const std::string& a : answers) {
      benchmark::DoNotOptimize(c.Reply(a));
      ++turns;
    }
  }
  state.SetItemsProcessed(turns);
  state.counters["turns_per_s"] = benchmark::Counter(static_cast<double>(turns), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Phq9WholeConversation);

// A single reply at a question, the server's hot path.
void BM_SingleReply(benchmark::State& state) {
  auto script = Load("scripts/emotional-numbness.json");
  Conversation base(script, ConversationOptions{"US"});
  base.Start();
  base.Reply("yes");
  for (auto _ : state) {
    Conversation c = base;
    benchmark::DoNotOptimize(c.Reply("yeah, for a few months now"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SingleReply);

void BM_SaveRestore(benchmark::State& state) {
  auto script = Load("scripts/phq9.json");
  Conversation c(script, ConversationOptions{"US"});
  c.Start();
  for (const char* a : {"yes", "2", "1", "3"}) c.Reply(a);
  for (auto _ : state) {
    std::string saved = c.Save().dump();
    auto restored = Conversation::Restore(script, nlohmann::json::parse(saved));
    benchmark::DoNotOptimize(restored);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SaveRestore);

}  // namespace
