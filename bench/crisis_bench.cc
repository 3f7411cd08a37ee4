// Crisis detector throughput: time per message and bytes per second for the
// full shipped pattern set (both languages), normalisation included, on
// chat-length messages. Target: at least 200 MB/s on plain-ASCII chat.
// Run from the repository root: ./build/bench/crisis_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "dialogue/crisis/detector.h"
#include "dialogue/crisis/normalizer.h"

namespace {

using screener::crisis::DefaultPatternFiles;
using screener::crisis::LoadPatternDetector;

std::shared_ptr<const screener::crisis::PatternDetector> Detector() {
  std::string dir = "scripts/crisis";
  if (DefaultPatternFiles(dir).empty()) dir = std::string(SCREENER_SOURCE_DIR) + "/scripts/crisis";
  auto d = LoadPatternDetector(DefaultPatternFiles(dir));
  if (!d) {
    fprintf(stderr, "%s\n", d.error().c_str());
    std::abort();
  }
  return *d;
}

// Chat-length messages (~60-140 bytes), mostly ordinary answers: the common case.
const std::vector<std::string> kAscii = {
    "I have been sleeping badly for the last two weeks and I feel tired most of the day honestly",
    "more than half the days, especially in the mornings when I have to get up for work early",
    "I don't really enjoy the things I used to, like football with my friends on saturdays",
    "my appetite has been poor and I skip lunch a lot because I just don't feel hungry at all",
    "I guess several days? it's hard to say, some weeks are better than others for me lately",
    "work has been really stressful and I argue with my partner more than I would like to admit",
    "I find it hard to concentrate when I read, I keep losing my place on the page and give up",
    "not at all, I think that part is fine, I'm mostly worried about the sleep and the tiredness",
};
const std::vector<std::string> kNonAscii = {
    "Duermo mal desde hace dos semanas y me siento cansada casi todo el día, la verdad es así",
    "más de la mitad de los días, sobre todo por las mañanas cuando tengo que ir a trabajar",
    "ya no disfruto las cosas que antes me gustaban, como salir con mis amigos los sábados",
    "I don’t know… it’s been “fine” I guess — some days are better than others for me",
    "no tengo mucho apetito y a veces no como al mediodía porque no tengo hambre para nada",
    "me cuesta concentrarme cuando leo, pierdo el hilo de la página y lo dejo al rato, ¿sabes?",
};
const std::vector<std::string> kHits = {
    "I have been feeling awful and honestly I just want to die, I can't do this anymore",
    "this traffic is killing me and my boss is killing me too, long day at work today",
    "I'm not suicidal but sometimes I wonder how many tylenol it would take, just curious",
    "my friend says she wants to kill herself and I don't know what to do about it at all",
};

void AssessAll(benchmark::State& state, const std::vector<std::string>& messages) {
  auto detector = Detector();
  size_t bytes = 0, i = 0;
  for (auto _ : state) {
    const std::string& m = messages[i++ % messages.size()];
    benchmark::DoNotOptimize(detector->Assess(m));
    bytes += m.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
}

void BM_AssessAsciiChat(benchmark::State& state) { AssessAll(state, kAscii); }
void BM_AssessNonAsciiChat(benchmark::State& state) { AssessAll(state, kNonAscii); }
void BM_AssessMessagesWithHits(benchmark::State& state) { AssessAll(state, kHits); }

void BM_NormalizeAsciiChat(benchmark::State& state) {
  auto n = screener::crisis::Normalizer::Create();
  size_t bytes = 0, i = 0;
  screener::crisis::NormalizedText out;
  for (auto _ : state) {
    const std::string& m = kAscii[i++ % kAscii.size()];
    n->Normalize(m, &out);
    benchmark::DoNotOptimize(out);
    bytes += m.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_AssessLongMessage(benchmark::State& state) {
  auto detector = Detector();
  std::string big;
  while (big.size() < 64 * 1024) big += kAscii[big.size() % kAscii.size()] + ". ";
  for (auto _ : state) benchmark::DoNotOptimize(detector->Assess(big));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * big.size()));
}

BENCHMARK(BM_AssessAsciiChat);
BENCHMARK(BM_AssessNonAsciiChat);
BENCHMARK(BM_AssessMessagesWithHits);
BENCHMARK(BM_NormalizeAsciiChat);
BENCHMARK(BM_AssessLongMessage);

}  // namespace

BENCHMARK_MAIN();
