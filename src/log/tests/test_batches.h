#pragma once

// Helpers shared by the log's tests: batches built the way a producer would.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "log/record_batch.h"

namespace sluice::log::testing {

// One batch of `n` records "<prefix>-<i>" with values of `value_bytes`
// bytes, timestamps ts, ts+1, …
inline std::string MakeBatch(int n, size_t value_bytes = 16, int64_t ts = 1000, const std::string& prefix = "k",
                             Compression c = Compression::kNone) {
  RecordBatchBuilder b({.compression = c});
  std::string value(value_bytes, 'v');
  for (int i = 0; i < n; ++i) {
    std::string key = prefix + "-" + std::to_string(i);
    if (!value.empty()) value[0] = static_cast<char>('a' + i % 26);
    b.Add(ts + i, key, value);
  }
  std::string out;
  EXPECT_TRUE(b.Finish(&out).ok());
  return out;
}

inline std::span<uint8_t> Span(std::string& s) { return {reinterpret_cast<uint8_t*>(s.data()), s.size()}; }
inline std::span<const uint8_t> ConstSpan(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Splits read bytes into batch views (failing the test on malformed bytes).
inline std::vector<RecordBatchHeader> Headers(const std::string& bytes) {
  std::vector<RecordBatchHeader> out;
  std::span<const uint8_t> rest = ConstSpan(bytes);
  while (!rest.empty()) {
    auto v = RecordBatchView::Parse(rest);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (!v.ok()) break;
    EXPECT_TRUE(v->VerifyCrc().ok());
    out.push_back(v->header());
    rest = rest.subspan(v->header().total_size());
  }
  return out;
}

// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("sluice-log-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::log::testing
