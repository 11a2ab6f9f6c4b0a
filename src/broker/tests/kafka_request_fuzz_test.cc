// Runs the fuzz entry point over valid requests of every supported API and
// version, then over thousands of random mutations and truncations of them,
// so that the decoder's robustness is checked in every CI run (with gcc),
// not only when someone runs libFuzzer.

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "broker/fuzz/kafka_request_fuzz.h"
#include "broker/protocol/api_keys.h"
#include "broker/protocol/wire_writer.h"

namespace sluice::broker {
namespace {

// A plausible request frame (without size prefix) for `key`/`version`: the
// header followed by a generic body of arrays, strings and integers.
std::vector<uint8_t> SeedFrame(int16_t key, int16_t version, std::mt19937& rng) {
  std::string buf;
  WireWriter w(&buf);
  w.Int16(key);
  w.Int16(version);
  w.Int32(static_cast<int32_t>(rng()));
  w.NullableString("fuzz");
  for (int i = 0; i < 6; ++i) {
    switch (rng() % 5) {
      case 0: w.ArrayLength(static_cast<int32_t>(rng() % 3)); break;
      case 1: w.String("topic"); break;
      case 2: w.Int32(static_cast<int32_t>(rng() % 100)); break;
      case 3: w.Int64(static_cast<int64_t>(rng())); break;
      case 4: w.Bytes(std::vector<uint8_t>(rng() % 80, 0x5a)); break;
    }
  }
  return {buf.begin(), buf.end()};
}

TEST(KafkaRequestFuzzTest, KafkaRequestFuzzCorpus) {
  const uint32_t seed = 20261122;
  std::mt19937 rng(seed);
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::vector<std::vector<uint8_t>> corpus;
  for (const auto& api : SupportedApis()) {
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      corpus.push_back(SeedFrame(static_cast<int16_t>(api.key), v, rng));
    }
  }
  size_t runs = 0;
  for (const auto& seed_frame : corpus) {
    FuzzKafkaRequestDecoder(seed_frame.data(), seed_frame.size());
    for (int m = 0; m < 300; ++m) {
      std::vector<uint8_t> f = seed_frame;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !f.empty(); ++e) {
        switch (rng() % 4) {
          case 0: f[rng() % f.size()] = static_cast<uint8_t>(rng()); break;
          case 1: f.resize(rng() % f.size()); break;
          case 2: f.insert(f.begin() + static_cast<long>(rng() % f.size()), static_cast<uint8_t>(rng())); break;
          case 3:  // a hostile length: 0x7fffffff or -2 at a random position
            if (f.size() >= 4) {
              size_t at = rng() % (f.size() - 3);
              uint8_t v = (rng() & 1) ? 0x7f : 0xff;
              f[at] = v;
              f[at + 1] = 0xff;
              f[at + 2] = 0xff;
              f[at + 3] = (v == 0x7f) ? 0xff : 0xfe;
            }
            break;
        }
      }
      FuzzKafkaRequestDecoder(f.data(), f.size());
      ++runs;
    }
  }
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> f(rng() % 64);
    for (auto& b : f) b = static_cast<uint8_t>(rng());
    FuzzKafkaRequestDecoder(f.data(), f.size());
    ++runs;
  }
  EXPECT_GT(runs, 10000u);
}

}  // namespace
}  // namespace sluice::broker
