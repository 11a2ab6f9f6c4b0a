#include "connectors/format/debezium_json_format.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::connectors {

struct DebeziumJsonDecoder::Parser {
  simdjson::ondemand::parser parser;
};

namespace {

// The parts of an event: raw JSON of the row images (empty when null or
// absent) and the operation.
struct Envelope {
  std::string_view before;
  std::string_view after;
  char op = 0;
};

Status ReadImage(simdjson::ondemand::value v, std::string_view name, std::string_view* out) {
  bool is_null = false;
  if (v.is_null().get(is_null)) return Status::InvalidArgument(fmt::format("\"{}\" is unreadable", name));
  if (is_null) return Status::Ok();
  simdjson::ondemand::object o;
  if (v.get_object().get(o) || o.raw_json().get(*out)) {
    return Status::InvalidArgument(fmt::format("\"{}\" must be an object or null", name));
  }
  return Status::Ok();
}

// Reads the fields of `obj` (an event, or its "payload"), in any order.
Status ReadEnvelope(simdjson::ondemand::object obj, Envelope* e, int depth) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::InvalidArgument("bad object key");
    simdjson::ondemand::value v;
    if (field.value().get(v)) return Status::InvalidArgument(fmt::format("\"{}\" is unreadable", key));
    if (key == "before") {
      SLUICE_RETURN_IF_ERROR(ReadImage(v, key, &e->before));
    } else if (key == "after") {
      SLUICE_RETURN_IF_ERROR(ReadImage(v, key, &e->after));
    } else if (key == "op") {
      std::string_view op;
      if (v.get_string().get(op) || op.size() != 1) return Status::InvalidArgument("\"op\" must be c, r, u or d");
      e->op = op[0];
    } else if (key == "payload" && depth == 0) {
      simdjson::ondemand::object payload;
      bool is_null = false;
      if (v.is_null().get(is_null) || is_null) continue;
      if (v.get_object().get(payload)) return Status::InvalidArgument("\"payload\" must be an object");
      SLUICE_RETURN_IF_ERROR(ReadEnvelope(payload, e, depth + 1));
    }
  }
  return Status::Ok();
}

}  // namespace

DebeziumJsonDecoder::DebeziumJsonDecoder(std::vector<bool> decode_column)
    : parser_(std::make_unique<Parser>()), image_(std::move(decode_column)) {}
DebeziumJsonDecoder::~DebeziumJsonDecoder() = default;
DebeziumJsonDecoder::DebeziumJsonDecoder(DebeziumJsonDecoder&&) noexcept = default;
DebeziumJsonDecoder& DebeziumJsonDecoder::operator=(DebeziumJsonDecoder&&) noexcept = default;

Status DebeziumJsonDecoder::Decode(std::string_view json, engine::Batch* out, int row) {
  rows_ = 0;
  scratch_.assign(json);
  scratch_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser_->parser.iterate(scratch_.data(), json.size(), scratch_.size()).get(doc) || doc.get_object().get(obj)) {
    return Status::InvalidArgument("not a JSON object (a Debezium change event)");
  }
  Envelope e;
  SLUICE_RETURN_IF_ERROR(ReadEnvelope(obj, &e, 0));
  auto image = [&](std::string_view text, std::string_view what, int at, engine::RowKind kind) -> Status {
    Status s = image_.Decode(text, out, at);
    if (!s.ok()) return Status::InvalidArgument(fmt::format("\"{}\": {}", what, s.message()));
    if (kind != engine::RowKind::kInsert || out->has_row_kinds()) out->mutable_row_kinds()[at] = kind;
    return Status::Ok();
  };
  switch (e.op) {
    case 'c':
    case 'r':
      if (e.after.empty()) return Status::InvalidArgument(fmt::format("op \"{}\" without \"after\"", e.op));
      SLUICE_RETURN_IF_ERROR(image(e.after, "after", row, engine::RowKind::kInsert));
      rows_ = 1;
      return Status::Ok();
    case 'u':
      if (e.before.empty() || e.after.empty()) {
        return Status::InvalidArgument(
            "op \"u\" needs \"before\" and \"after\" (the database must log full row images, e.g. REPLICA IDENTITY "
            "FULL in PostgreSQL)");
      }
      SLUICE_RETURN_IF_ERROR(image(e.before, "before", row, engine::RowKind::kUpdateBefore));
      SLUICE_RETURN_IF_ERROR(image(e.after, "after", row + 1, engine::RowKind::kUpdateAfter));
      rows_ = 2;
      return Status::Ok();
    case 'd':
      if (e.before.empty()) {
        return Status::InvalidArgument(
            "op \"d\" needs \"before\" (the database must log full row images, e.g. REPLICA IDENTITY FULL in "
            "PostgreSQL)");
      }
      SLUICE_RETURN_IF_ERROR(image(e.before, "before", row, engine::RowKind::kDelete));
      rows_ = 1;
      return Status::Ok();
    case 0: return Status::InvalidArgument("no \"op\" field: not a Debezium change event");
    default: return Status::InvalidArgument(fmt::format("unknown op \"{}\"; expected c, r, u or d", e.op));
  }
}

void DebeziumJsonEncoder::Encode(const engine::Batch& batch, int row, std::string* out) const {
  const engine::RowKind kind = batch.row_kind(row);
  const bool add = kind == engine::RowKind::kInsert || kind == engine::RowKind::kUpdateAfter;
  out->append(add ? R"({"before":null,"after":)" : R"({"before":)");
  row_.Encode(batch, row, out);
  out->append(add ? R"(,"op":"c"})" : R"(,"after":null,"op":"d"})");
}

}  // namespace sluice::connectors
