#include "connectors/nexmark/nexmark_connector.h"

#include <fmt/format.h>

#include <span>

#include "connectors/checkpoint_codec.h"
#include "connectors/nexmark/nexmark_generator.h"

namespace sluice::connectors {
namespace {

using engine::DataType;
using engine::ReadStatus;
namespace nx = nexmark;

// Where a column's value comes from in the event.
enum class Field {
  kPersonId,
  kName,
  kEmail,
  kCreditCard,
  kCity,
  kState,
  kPersonTime,
  kPersonExtra,
  kAuctionId,
  kItemName,
  kDescription,
  kInitialBid,
  kReserve,
  kAuctionTime,
  kExpires,
  kSeller,
  kCategory,
  kAuctionExtra,
  kBidAuction,
  kBidder,
  kPrice,
  kChannel,
  kUrl,
  kBidTime,
  kBidExtra,
};

struct FieldInfo {
  const char* name;
  Field field;
  DataType type;
};

constexpr FieldInfo kPersonFields[] = {{"id", Field::kPersonId, DataType::kInt64},
                                       {"name", Field::kName, DataType::kString},
                                       {"emailAddress", Field::kEmail, DataType::kString},
                                       {"creditCard", Field::kCreditCard, DataType::kString},
                                       {"city", Field::kCity, DataType::kString},
                                       {"state", Field::kState, DataType::kString},
                                       {"dateTime", Field::kPersonTime, DataType::kTimestamp},
                                       {"extra", Field::kPersonExtra, DataType::kString}};
constexpr FieldInfo kAuctionFields[] = {{"id", Field::kAuctionId, DataType::kInt64},
                                        {"itemName", Field::kItemName, DataType::kString},
                                        {"description", Field::kDescription, DataType::kString},
                                        {"initialBid", Field::kInitialBid, DataType::kInt64},
                                        {"reserve", Field::kReserve, DataType::kInt64},
                                        {"dateTime", Field::kAuctionTime, DataType::kTimestamp},
                                        {"expires", Field::kExpires, DataType::kTimestamp},
                                        {"seller", Field::kSeller, DataType::kInt64},
                                        {"category", Field::kCategory, DataType::kInt64},
                                        {"extra", Field::kAuctionExtra, DataType::kString}};
constexpr FieldInfo kBidFields[] = {
    {"auction", Field::kBidAuction, DataType::kInt64}, {"bidder", Field::kBidder, DataType::kInt64},
    {"price", Field::kPrice, DataType::kInt64},        {"channel", Field::kChannel, DataType::kString},
    {"url", Field::kUrl, DataType::kString},           {"dateTime", Field::kBidTime, DataType::kTimestamp},
    {"extra", Field::kBidExtra, DataType::kString}};

void Put(engine::Column& col, int row, int64_t v) {
  if (col.type() == DataType::kInt32) {
    col.data<int32_t>()[row] = static_cast<int32_t>(v);
  } else if (col.type() == DataType::kDouble) {
    col.data<double>()[row] = static_cast<double>(v);
  } else {
    col.data<int64_t>()[row] = v;
  }
}

// Position format, version 1 (little-endian, checkpoint_codec.h):
//   u8  version = 1
//   i64 events generated so far (all types, so the next event's number):
//       the generator is a pure function of the event number, so resuming
//       there yields the same events. Events of other types skipped after
//       the last returned row are skipped again identically.
constexpr uint8_t kNexmarkPositionVersion = 1;

class NexmarkReader : public engine::SourceReader {
 public:
  NexmarkReader(nx::GeneratorConfig config, nx::EventType type, std::vector<Field> fields)
      : gen_(config), type_(type), fields_(std::move(fields)) {}

  void SkipTo(int64_t events) { gen_.SkipTo(events); }

  Result<std::string> Position() const override {
    std::string out;
    PutU8(&out, kNexmarkPositionVersion);
    PutI64(&out, gen_.events_generated());
    return out;
  }

  Result<ReadStatus> Read(engine::Batch* out) override {
    if (!gen_.HasNext()) return ReadStatus::kEndOfInput;
    int row = 0;
    while (row < out->capacity() && gen_.HasNext()) {
      gen_.Next(&event_);
      if (event_.type != type_) continue;
      for (int c = 0; c < out->num_columns(); ++c) {
        engine::Column& col = out->column(c);
        const auto& p = event_.person;
        const auto& a = event_.auction;
        const auto& b = event_.bid;
        switch (fields_[c]) {
          case Field::kPersonId: Put(col, row, p.id); break;
          case Field::kName: col.SetString(row, p.name); break;
          case Field::kEmail: col.SetString(row, p.email_address); break;
          case Field::kCreditCard: col.SetString(row, p.credit_card); break;
          case Field::kCity: col.SetString(row, p.city); break;
          case Field::kState: col.SetString(row, p.state); break;
          case Field::kPersonTime: Put(col, row, p.date_time); break;
          case Field::kPersonExtra: col.SetString(row, p.extra); break;
          case Field::kAuctionId: Put(col, row, a.id); break;
          case Field::kItemName: col.SetString(row, a.item_name); break;
          case Field::kDescription: col.SetString(row, a.description); break;
          case Field::kInitialBid: Put(col, row, a.initial_bid); break;
          case Field::kReserve: Put(col, row, a.reserve); break;
          case Field::kAuctionTime: Put(col, row, a.date_time); break;
          case Field::kExpires: Put(col, row, a.expires); break;
          case Field::kSeller: Put(col, row, a.seller); break;
          case Field::kCategory: Put(col, row, a.category); break;
          case Field::kAuctionExtra: col.SetString(row, a.extra); break;
          case Field::kBidAuction: Put(col, row, b.auction); break;
          case Field::kBidder: Put(col, row, b.bidder); break;
          case Field::kPrice: Put(col, row, b.price); break;
          case Field::kChannel: col.SetString(row, b.channel); break;
          case Field::kUrl: col.SetString(row, b.url); break;
          case Field::kBidTime: Put(col, row, b.date_time); break;
          case Field::kBidExtra: col.SetString(row, b.extra); break;
        }
        col.SetValid(row);
      }
      ++row;
    }
    out->set_num_rows(row);
    return row > 0 || gen_.HasNext() ? ReadStatus::kData : ReadStatus::kEndOfInput;
  }

 private:
  nx::Generator gen_;
  nx::EventType type_;
  std::vector<Field> fields_;
  nx::Event event_;
};

class NexmarkSource : public engine::Source {
 public:
  static Result<std::shared_ptr<NexmarkSource>> Create(const engine::TableDescriptor& t) {
    auto s = std::shared_ptr<NexmarkSource>(new NexmarkSource());
    s->table_ = t;
    auto bad = [&](const std::string& what) {
      return Status::InvalidArgument(fmt::format("table {}: {}", t.name, what));
    };
    std::string which = t.Option("nexmark.table", "bid");
    std::span<const FieldInfo> fields;
    if (which == "bid") {
      s->type_ = nx::EventType::kBid;
      fields = kBidFields;
    } else if (which == "auction") {
      s->type_ = nx::EventType::kAuction;
      fields = kAuctionFields;
    } else if (which == "person") {
      s->type_ = nx::EventType::kPerson;
      fields = kPersonFields;
    } else {
      return bad(fmt::format("'nexmark.table' = '{}' is not 'bid', 'auction' or 'person'", which));
    }
    auto number = [&](const char* key, double fallback) -> Result<double> {
      std::string v = t.Option(key);
      if (v.empty()) return fallback;
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (*end != '\0' || d < 0) return bad(fmt::format("'{}' must be a non-negative number, got '{}'", key, v));
      return d;
    };
    SLUICE_ASSIGN_OR_RETURN(double events, number("events.num", 0));
    SLUICE_ASSIGN_OR_RETURN(double rate, number("first-event.rate", 10000));
    SLUICE_ASSIGN_OR_RETURN(double seed, number("nexmark.seed", 0));
    if (rate <= 0) return bad("'first-event.rate' must be positive");
    s->config_.max_events = static_cast<int64_t>(events);
    s->config_.events_per_second = rate;
    s->config_.seed = static_cast<int64_t>(seed);
    for (int c = 0; c < t.schema.size(); ++c) {
      const auto& f = t.schema.field(c);
      const FieldInfo* found = nullptr;
      std::string names;
      for (const auto& info : fields) {
        names += (names.empty() ? "" : ", ") + std::string(info.name);
        if (f.name == info.name) found = &info;
      }
      if (!found) return bad(fmt::format("column {} is not a field of the {} stream ({})", f.name, which, names));
      bool ok = found->type == DataType::kString
                    ? f.type == DataType::kString
                    : (found->type == DataType::kTimestamp
                           ? f.type == DataType::kTimestamp
                           : (f.type == DataType::kInt64 || f.type == DataType::kInt32 || f.type == DataType::kDouble));
      if (!ok) {
        return bad(fmt::format("column {} must be {}", f.name,
                               found->type == DataType::kString      ? "STRING"
                               : found->type == DataType::kTimestamp ? "TIMESTAMP(3)"
                                                                     : "BIGINT"));
      }
      s->fields_.push_back(found->field);
    }
    if (!t.event_time_column.empty()) {
      SLUICE_ASSIGN_OR_RETURN(s->time_column_, t.schema.IndexOf(t.event_time_column));
    }
    return s;
  }

  std::string name() const override { return "nexmark:" + table_.name; }
  const engine::Schema& schema() const override { return table_.schema; }
  int event_time_column() const override { return time_column_; }
  engine::WatermarkStrategy watermark_strategy() const override { return table_.watermark; }
  int num_splits() const override { return 1; }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplit(int) override {
    return std::unique_ptr<engine::SourceReader>(new NexmarkReader(config_, type_, fields_));
  }
  Result<std::unique_ptr<engine::SourceReader>> OpenSplitAt(int split, std::string_view position) override {
    if (split != 0)
      return Status::OutOfRange(fmt::format("table {}: nexmark has one split, not {}", table_.name, split));
    CheckpointReader in(position, "nexmark source position");
    SLUICE_RETURN_IF_ERROR(in.Version(kNexmarkPositionVersion));
    SLUICE_ASSIGN_OR_RETURN(int64_t events, in.I64());
    SLUICE_RETURN_IF_ERROR(in.End());
    if (events < 0 || (config_.max_events > 0 && events > config_.max_events)) {
      return Status::InvalidArgument(fmt::format(
          "table {}: cannot resume nexmark at event {}: 'events.num' is {} now; restore with the same options",
          table_.name, events, config_.max_events));
    }
    auto reader = std::make_unique<NexmarkReader>(config_, type_, fields_);
    reader->SkipTo(events);
    return std::unique_ptr<engine::SourceReader>(std::move(reader));
  }

 private:
  NexmarkSource() = default;
  engine::TableDescriptor table_;
  nx::GeneratorConfig config_;
  nx::EventType type_ = nx::EventType::kBid;
  std::vector<Field> fields_;
  int time_column_ = -1;
};

class NexmarkConnector : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "nexmark"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& t,
                                                       const engine::ConnectorContext&) override {
    SLUICE_ASSIGN_OR_RETURN(auto s, NexmarkSource::Create(t));
    return std::shared_ptr<engine::Source>(std::move(s));
  }
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& t,
                                                   const engine::ConnectorContext&) override {
    return Status::Unsupported(fmt::format("table {}: the 'nexmark' connector is a source only", t.name));
  }
};

}  // namespace

std::shared_ptr<engine::ConnectorFactory> NewNexmarkConnector() { return std::make_shared<NexmarkConnector>(); }

}  // namespace sluice::connectors
