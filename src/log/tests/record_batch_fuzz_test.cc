#include <gtest/gtest.h>

#include <random>
#include <string>

#include "log/fuzz/record_batch_fuzz.h"
#include "log/record_batch.h"

namespace sluice::log {
namespace {

std::string Seed(Compression c, int n, std::mt19937& rng) {
  RecordBatchBuilder b({.compression = c});
  for (int i = 0; i < n; ++i) {
    std::string v(rng() % 64, static_cast<char>('a' + i % 26));
    RecordHeader h[] = {{"h", std::string_view("v")}};
    b.Add(1000 + i, std::to_string(i), v, i % 2 ? std::span<const RecordHeader>(h) : std::span<const RecordHeader>());
  }
  std::string s;
  EXPECT_TRUE(b.Finish(&s).ok());
  return s;
}

void Decode(const std::string& s) { FuzzRecordBatchDecoder(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

// Runs the libFuzzer entry point over random bytes and mutations of valid
// batches (every codec), so the decoder's robustness is checked by every
// build, gcc included; under `make asan` this also catches out-of-bounds reads.
TEST(RecordBatchFuzzCorpus, DecoderSurvivesRandomAndMutatedInputs) {
  const uint32_t seed = 20261122;
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::vector<std::string> corpus;
  for (Compression c :
       {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4, Compression::kZstd}) {
    corpus.push_back(Seed(c, 1 + rng() % 20, rng));
  }
  corpus.push_back(corpus[0] + corpus[3]);
  for (const auto& s : corpus) Decode(s);
  for (int i = 0; i < 300; ++i) {
    std::string r(rng() % 200, '\0');
    for (auto& c : r) c = static_cast<char>(rng());
    if (r.size() > 17 && rng() % 2) r[16] = 2;  // reach past the magic check
    Decode(r);
  }
  for (int i = 0; i < 30000; ++i) {
    std::string s = corpus[rng() % corpus.size()];
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0: s[rng() % s.size()] ^= static_cast<char>(1 << (rng() % 8)); break;
        case 1: s[rng() % s.size()] = static_cast<char>(rng()); break;
        case 2: s.resize(rng() % (s.size() + 1)); break;
        case 3: s.insert(rng() % (s.size() + 1), 1, static_cast<char>(rng())); break;
      }
      if (s.empty()) break;
    }
    Decode(s);
  }
  SUCCEED();
}

}  // namespace
}  // namespace sluice::log
