#include "connectors/datagen_connector.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "connectors/checkpoint_codec.h"

namespace sluice::connectors {
namespace {

using engine::Batch;
using engine::DataType;
using engine::ReadStatus;

struct FieldGen {
  bool sequence = false;
  int64_t min = 0;
  int64_t max = INT32_MAX;
  int64_t start = 0;
  int64_t end = INT64_MAX;
  int length = 100;
};

Result<int64_t> IntOption(const engine::TableDescriptor& t, const std::string& key, int64_t fallback) {
  auto it = t.options.find(key);
  if (it == t.options.end()) return fallback;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0') {
    return Status::InvalidArgument(
        fmt::format("table {}: option '{}' must be an integer, got '{}'", t.name, key, it->second));
  }
  return static_cast<int64_t>(v);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// SplitMix64 as a UniformRandomBitGenerator: a fresh one per row, seeded from
// (seed, row number), makes every row a pure function of its number, so a
// reader resumes from a row count alone.
class RowRandom {
 public:
  using result_type = uint64_t;
  RowRandom(uint64_t seed, int64_t row) : state_(Mix64(seed ^ Mix64(static_cast<uint64_t>(row) + 1))) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return UINT64_MAX; }
  result_type operator()() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }

 private:
  uint64_t state_;
};

// Position format, version 1 (little-endian, checkpoint_codec.h):
//   u8  version = 1
//   i64 rows produced so far
// Rows are a pure function of (seed, row number), so that is all a resume
// needs. TIMESTAMP columns hold the wall-clock time of generation and are
// the one thing a replay does not reproduce.
constexpr uint8_t kDatagenPositionVersion = 1;

class DatagenReader : public engine::SourceReader {
 public:
  DatagenReader(std::vector<FieldGen> fields, int64_t rows, int64_t rate, uint64_t seed, int64_t produced = 0)
      : fields_(std::move(fields)),
        rows_(rows),
        rate_(rate),
        seed_(seed),
        start_(std::chrono::steady_clock::now()),
        produced_(produced),
        resumed_at_(produced) {}

  Result<std::string> Position() const override {
    std::string out;
    PutU8(&out, kDatagenPositionVersion);
    PutI64(&out, produced_);
    return out;
  }

  Result<ReadStatus> Read(Batch* out) override {
    int64_t allowed = rows_ < 0 ? INT64_MAX : rows_ - produced_;
    if (rate_ > 0) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      allowed = std::min<int64_t>(
          allowed, static_cast<int64_t>(secs * static_cast<double>(rate_)) + 1 - (produced_ - resumed_at_));
    }
    if (allowed <= 0 && rows_ >= 0 && produced_ >= rows_) return ReadStatus::kEndOfInput;
    if (allowed <= 0) return ReadStatus::kNoDataNow;
    int n = static_cast<int>(std::min<int64_t>(allowed, out->capacity()));
    const int64_t now = NowMs();
    for (int r = 0; r < n; ++r) {
      RowRandom rng(seed_, produced_);
      for (int c = 0; c < out->num_columns(); ++c) {
        auto& col = out->column(c);
        const FieldGen& g = fields_[c];
        int64_t v = g.sequence ? g.start + produced_ : std::uniform_int_distribution<int64_t>(g.min, g.max)(rng);
        if (g.sequence && v > g.end) return Finish(out, r);
        switch (col.type()) {
          case DataType::kInt64: col.data<int64_t>()[r] = v; break;
          case DataType::kInt32: col.data<int32_t>()[r] = static_cast<int32_t>(v); break;
          case DataType::kDouble:
            col.data<double>()[r] = g.sequence ? static_cast<double>(v)
                                               : std::uniform_real_distribution<double>(
                                                     static_cast<double>(g.min), static_cast<double>(g.max))(rng);
            break;
          case DataType::kBool: col.data<uint8_t>()[r] = v & 1; break;
          case DataType::kTimestamp: col.data<int64_t>()[r] = now; break;
          case DataType::kDate: col.data<int32_t>()[r] = static_cast<int32_t>(now / 86'400'000); break;  // today
          case DataType::kString: {
            char* p = col.ExtendArena(static_cast<size_t>(g.length));
            uint64_t bits = 0;
            for (int i = 0; i < g.length; ++i) {
              if (i % 16 == 0) bits = rng();
              p[i] = "0123456789abcdef"[bits & 15];
              bits >>= 4;
            }
            col.data<engine::StringRef>()[r] =
                engine::StringRef{static_cast<uint32_t>(col.arena_size() - g.length), static_cast<uint32_t>(g.length)};
            break;
          }
        }
        col.SetValid(r);
      }
      ++produced_;
    }
    out->set_num_rows(n);
    return ReadStatus::kData;
  }

 private:
  Result<ReadStatus> Finish(Batch* out, int rows) {
    rows_ = produced_;  // a sequence reached its end: bounded from here
    out->set_num_rows(rows);
    return rows > 0 ? ReadStatus::kData : ReadStatus::kEndOfInput;
  }

  std::vector<FieldGen> fields_;
  int64_t rows_;
  int64_t rate_;
  uint64_t seed_;
  std::chrono::steady_clock::time_point start_;
  int64_t produced_ = 0;
  int64_t resumed_at_ = 0;  // rows produced before this reader (the rate counts from here)
};

class DatagenSource : public engine::Source {
 public:
  static Result<std::shared_ptr<DatagenSource>> Create(const engine::TableDescriptor& t) {
    auto s = std::shared_ptr<DatagenSource>(new DatagenSource());
    s->table_ = t;
    SLUICE_ASSIGN_OR_RETURN(s->rate_, IntOption(t, "rows-per-second", 10000));
    SLUICE_ASSIGN_OR_RETURN(s->rows_, IntOption(t, "number-of-rows", -1));
    SLUICE_ASSIGN_OR_RETURN(int64_t seed, IntOption(t, "seed", 42));
    s->seed_ = static_cast<uint64_t>(seed);
    for (const auto& f : t.schema.fields()) {
      FieldGen g;
      std::string p = "fields." + f.name + ".";
      std::string kind = t.Option(p + "kind", "random");
      if (kind != "random" && kind != "sequence") {
        return Status::InvalidArgument(fmt::format("table {}: '{}kind' must be 'random' or 'sequence'", t.name, p));
      }
      g.sequence = kind == "sequence";
      SLUICE_ASSIGN_OR_RETURN(g.min, IntOption(t, p + "min", 0));
      SLUICE_ASSIGN_OR_RETURN(g.max, IntOption(t, p + "max", INT32_MAX));
      SLUICE_ASSIGN_OR_RETURN(g.start, IntOption(t, p + "start", 0));
      SLUICE_ASSIGN_OR_RETURN(g.end, IntOption(t, p + "end", INT64_MAX));
      SLUICE_ASSIGN_OR_RETURN(int64_t len, IntOption(t, p + "length", 100));
      g.length = static_cast<int>(std::clamp<int64_t>(len, 0, 1 << 20));
      if (g.min > g.max) return Status::InvalidArgument(fmt::format("table {}: {}min > {}max", t.name, p, p));
      s->fields_.push_back(g);
    }
    if (!t.event_time_column.empty()) {
      SLUICE_ASSIGN_OR_RETURN(s->event_time_column_, t.schema.IndexOf(t.event_time_column));
    }
    return s;
  }
  std::string name() const override { return "datagen:" + table_.name; }
  const engine::Schema& schema() const override { return table_.schema; }
  int event_time_column() const override { return event_time_column_; }
  engine::WatermarkStrategy watermark_strategy() const override { return table_.watermark; }
  int num_splits() const override { return 1; }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int) override {
    return std::unique_ptr<engine::SourceReader>(new DatagenReader(fields_, rows_, rate_, seed_));
  }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    if (split != 0)
      return Status::OutOfRange(fmt::format("table {}: datagen has one split, not {}", table_.name, split));
    CheckpointReader in(position, "datagen source position");
    SLUICE_RETURN_IF_ERROR(in.Version(kDatagenPositionVersion));
    SLUICE_ASSIGN_OR_RETURN(int64_t produced, in.I64());
    SLUICE_RETURN_IF_ERROR(in.End());
    if (produced < 0) return Status::Corruption("datagen source position has a negative row count");
    return std::unique_ptr<engine::SourceReader>(new DatagenReader(fields_, rows_, rate_, seed_, produced));
  }

 private:
  DatagenSource() = default;
  engine::TableDescriptor table_;
  std::vector<FieldGen> fields_;
  int64_t rate_ = 0;
  int64_t rows_ = -1;
  uint64_t seed_ = 42;
  int event_time_column_ = -1;
};

class DatagenConnector : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "datagen"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& t,
                                                       const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(auto s, DatagenSource::Create(t));
    return std::shared_ptr<engine::Source>(std::move(s));
  }
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& t,
                                                   const engine::ConnectorContext&) override {
    return Status::Unsupported(fmt::format("table {}: the 'datagen' connector is a source only", t.name));
  }
};

}  // namespace

std::shared_ptr<engine::ConnectorFactory> NewDatagenConnector() { return std::make_shared<DatagenConnector>(); }

}  // namespace sluice::connectors
