#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace sluice::bench {

enum class OutputFormat { kTable, kJsonLines };

// One measured figure, optionally beside the peer or machine limit measured in
// the same run ("redis-streams", "hand-written loop", "fdatasync write").
struct Measurement {
  std::string name;  // what was measured: "append 100B batch=16KiB fsync=never"
  double value = 0;
  std::string unit;  // "records/s", "MB/s", "us"
  std::optional<std::string> baseline;
  std::optional<double> baseline_value;
};

// Prints a suite's measurements as they are taken: an aligned table for
// people, or (--json) one JSON object per line for scripts:
//   {"suite":"log","name":"...","value":1.5e6,"unit":"records/s",
//    "baseline":"memcpy","baseline_value":2.0e6}
// Thread-safety: not thread-safe; one per running suite.
class Report {
 public:
  Report(std::string suite, OutputFormat format, std::FILE* out = stdout);
  void Add(const Measurement& m);
  // A line of context (machine, parameters). Table mode only; JSON stays pure.
  void Note(const std::string& text);
  const std::vector<Measurement>& measurements() const { return measurements_; }
  OutputFormat format() const { return format_; }

 private:
  void PrintHeaderOnce();
  std::string suite_;
  OutputFormat format_;
  std::FILE* out_;
  bool header_printed_ = false;
  std::vector<Measurement> measurements_;
};

// Escapes a string for inclusion in a JSON string literal.
std::string JsonEscape(const std::string& s);

}  // namespace sluice::bench
