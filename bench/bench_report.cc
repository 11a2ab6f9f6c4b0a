#include "bench/bench_report.h"

#include <fmt/format.h>

#include <cmath>

namespace sluice::bench {
namespace {

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.6g}", v);
}

std::string Human(double v) {
  double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:.1f} k", v / 1e3);
  if (a >= 100) return fmt::format("{:.0f} ", v);
  return fmt::format("{:.3g} ", v);
}

}  // namespace

std::string JsonEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

Report::Report(std::string suite, OutputFormat format, std::FILE* out)
    : suite_(std::move(suite)), format_(format), out_(out) {}

void Report::PrintHeaderOnce() {
  if (header_printed_ || format_ != OutputFormat::kTable) return;
  header_printed_ = true;
  fmt::print(out_, "\n== {} ==\n", suite_);
  fmt::print(out_, "{:<52} {:>16}  {:<26} {:>16} {:>8}\n", "benchmark", "value", "baseline", "baseline value", "ratio");
}

void Report::Note(const std::string& text) {
  if (format_ != OutputFormat::kTable) return;
  PrintHeaderOnce();
  fmt::print(out_, "  # {}\n", text);
  std::fflush(out_);
}

void Report::Add(const Measurement& m) {
  measurements_.push_back(m);
  if (format_ == OutputFormat::kJsonLines) {
    fmt::print(
        out_,
        "{{\"suite\":\"{}\",\"name\":\"{}\",\"value\":{},\"unit\":\"{}\",\"baseline\":{},\"baseline_value\":{}}}\n",
        JsonEscape(suite_), JsonEscape(m.name), JsonNumber(m.value), JsonEscape(m.unit),
        m.baseline ? "\"" + JsonEscape(*m.baseline) + "\"" : std::string("null"),
        m.baseline_value ? JsonNumber(*m.baseline_value) : std::string("null"));
  } else {
    PrintHeaderOnce();
    std::string value = Human(m.value) + m.unit;
    std::string base = m.baseline.value_or("");
    std::string base_value = m.baseline_value ? Human(*m.baseline_value) + m.unit : "";
    std::string ratio =
        (m.baseline_value && *m.baseline_value != 0) ? fmt::format("{:.2f}x", m.value / *m.baseline_value) : "";
    fmt::print(out_, "{:<52} {:>16}  {:<26} {:>16} {:>8}\n", m.name, value, base, base_value, ratio);
  }
  std::fflush(out_);
}

}  // namespace sluice::bench
