#pragma once

// Test helpers: read a source split to its end, optionally replacing the
// reader at random points by one resumed from its Position() — the check
// that a resumed read yields exactly the rows of an uninterrupted one.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/batch.h"
#include "engine/sink.h"
#include "engine/source.h"

namespace sluice::connectors::test_support {

inline std::vector<std::string> Rows(const engine::Batch& b) {
  engine::CollectingSink c;
  EXPECT_TRUE(c.Write(b).ok());
  std::vector<std::string> out;
  for (const auto& r : c.rows()) out.push_back(r.ToString());
  return out;
}

// Reads split `split` to its (bounded) end. With `rng`, batches hold 1 to
// `max_batch` rows and the reader is resumed through OpenSplitAt() at random
// points (counted in *resumes; always once after the first data batch). kNoDataNow (a fetch in flight) is polled
// until `timeout`.
inline std::vector<std::string> ReadSplit(engine::Source& source, int split, std::mt19937* rng, int* resumes = nullptr,
                                          int max_batch = 7, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  std::vector<std::string> rows;
  auto opened = source.OpenSplit(split);
  if (!opened.ok()) {
    ADD_FAILURE() << opened.status().ToString();
    return rows;
  }
  std::unique_ptr<engine::SourceReader> r = std::move(*opened);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int data_batches = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    engine::Batch b(source.schema(), rng ? 1 + static_cast<int>((*rng)() % max_batch) : 1024);
    auto st = r->Read(&b);
    if (!st.ok()) {
      ADD_FAILURE() << st.status().ToString();
      return rows;
    }
    if (*st == engine::ReadStatus::kEndOfInput) return rows;
    if (*st == engine::ReadStatus::kNoDataNow) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    for (auto& row : Rows(b)) rows.push_back(std::move(row));
    // Always after the first data batch (so every read resumes at least
    // once, however the rows were batched), then at random.
    const bool first = data_batches++ == 0;
    if (rng && (first || (*rng)() % 3 == 0)) {
      auto pos = r->Position();
      if (!pos.ok()) {
        ADD_FAILURE() << pos.status().ToString();
        return rows;
      }
      auto resumed = source.OpenSplitAt(split, *pos);
      if (!resumed.ok()) {
        ADD_FAILURE() << resumed.status().ToString();
        return rows;
      }
      r = std::move(*resumed);
      if (resumes) ++*resumes;
    }
  }
  ADD_FAILURE() << "split " << split << " did not end within " << timeout.count() << " s";
  return rows;
}

}  // namespace sluice::connectors::test_support
