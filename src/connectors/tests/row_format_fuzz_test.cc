#include <gtest/gtest.h>

#include <random>
#include <string>

#include "connectors/fuzz/row_format_fuzz.h"

namespace sluice::connectors {
namespace {

void Decode(const std::string& s) { FuzzRowFormats(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

// Runs the libFuzzer entry point over random bytes and mutations of valid
// JSON and CSV rows and JSON paths, so the row formats' robustness is checked
// by every build, gcc included (and for out-of-bounds reads under `make asan`).
TEST(RowFormatFuzzCorpus, DecodersSurviveRandomAndMutatedInputs) {
  const uint32_t seed = 20261122;
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  const std::vector<std::string> corpus = {
      std::string(1, '\0') +
          R"({"a": 7, "b": -3, "c": 1.5e3, "d": true, "e": "x\"y\u00e9", "f": "2026-11-22 10:00:00.250"})",
      std::string(1, '\0') + R"({"e": {"n": [1, 2, {"k": null}]}, "f": 1000, "a": null})",
      std::string(1, '\1') + R"(7,-3,1.5,true,"quoted, ""text""",2026-11-22 10:00:00)",
      std::string(1, '\x11') + "7\t-3\t1.5\tfalse\ttext\t1000",
      std::string(1, '\2') + R"({"a": 1, "c": "not a number", "e": [true]})",
      std::string(1, '\3') + R"(1,,2.5,true,"x",5)",
      std::string(1, '\0') + "$.a['b'][12]",
  };
  for (const auto& s : corpus) Decode(s);
  for (int i = 0; i < 2000; ++i) {
    std::string r(rng() % 120, '\0');
    for (auto& c : r) c = static_cast<char>(rng());
    Decode(r);
  }
  for (int i = 0; i < 20000; ++i) {
    std::string s = corpus[rng() % corpus.size()];
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0: s[rng() % s.size()] ^= static_cast<char>(1 << (rng() % 8)); break;
        case 1: s[rng() % s.size()] = "{}[]\",:\\ 0aE.-'$"[rng() % 17]; break;
        case 2: s.resize(1 + rng() % s.size()); break;
        case 3: s.insert(1 + rng() % s.size(), 1, static_cast<char>(rng())); break;
        case 4: s.erase(1 + rng() % s.size(), 1); break;
      }
      if (s.size() < 2) break;
    }
    Decode(s);
  }
  SUCCEED();
}

}  // namespace
}  // namespace sluice::connectors
