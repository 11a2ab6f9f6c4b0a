#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sluice::cli {

// A one-line progress bar on stderr for long CLI work ("nexmark  45%
// [#########           ] 4.5 M/10.0 M events  1.2 M/s  ETA 4 s"). Draws only
// when stderr is a terminal, at most every 200 ms; Finish() prints the
// summary line either way.
//
// Thread-safety: not thread-safe; owned by the working thread.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::string unit);
  void Update(int64_t done);
  void Finish(int64_t done);

 private:
  void Draw(int64_t done, bool final_line);
  std::string label_;
  int64_t total_;
  std::string unit_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace sluice::cli
