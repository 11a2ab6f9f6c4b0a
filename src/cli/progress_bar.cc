#include "cli/progress_bar.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>

namespace sluice::cli {
namespace {

std::string Human(double v) {
  if (v >= 1e9) return fmt::format("{:.1f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} k", v / 1e3);
  return fmt::format("{:.0f} ", v);
}

constexpr int kBarWidth = 24;
constexpr auto kRedrawInterval = std::chrono::milliseconds(200);

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::Update(int64_t done) {
  if (!tty_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  Draw(done, false);
}

void ProgressBar::Finish(int64_t done) { Draw(done, true); }

void ProgressBar::Draw(int64_t done, bool final_line) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  if (final_line) {
    fmt::print(stderr, "{}{}: {}{} in {:.1f} s ({}{}/s)\n", tty_ ? "\r\033[K" : "", label_, Human(done), unit_, secs,
               Human(rate), unit_);
    return;
  }
  double frac = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 0;
  int filled = static_cast<int>(frac * kBarWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kBarWidth, ' ');
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  fmt::print(stderr, "\r\033[K{} {:3.0f}% [{}] {}/{}{}  {}{}/s  ETA {:.0f} s", label_, frac * 100, bar, Human(done),
             Human(static_cast<double>(total_)), unit_, Human(rate), unit_, eta);
  std::fflush(stderr);
}

}  // namespace sluice::cli
