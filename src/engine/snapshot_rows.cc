#include "engine/snapshot_rows.h"

#include <fmt/format.h>

#include <cstring>

#include "engine/key_table.h"

namespace sluice::engine {

void EncodeRow(const Batch& batch, int row, std::string* out) {
  for (int c = 0; c < batch.num_columns(); ++c) {
    const Column& col = batch.column(c);
    const bool valid = col.IsValid(row);
    out->push_back(valid ? 1 : 0);
    if (col.type() == DataType::kString) {
      const std::string_view s = valid ? col.GetString(row) : std::string_view();
      const uint32_t len = static_cast<uint32_t>(s.size());
      out->append(reinterpret_cast<const char*>(&len), 4);
      out->append(s);
    } else {
      const int width = PhysicalWidth(col.type());
      if (valid) {
        out->append(reinterpret_cast<const char*>(col.data<uint8_t>() + static_cast<size_t>(row) * width), width);
      } else {
        out->append(width, '\0');
      }
    }
  }
}

bool IsEncodedRow(std::string_view bytes, const Schema& schema) {
  size_t at = 0;
  for (int c = 0; c < schema.size(); ++c) {
    if (at >= bytes.size() || static_cast<uint8_t>(bytes[at]) > 1) return false;
    ++at;
    if (schema.field(c).type == DataType::kString) {
      uint32_t len;
      if (bytes.size() - at < 4) return false;
      std::memcpy(&len, bytes.data() + at, 4);
      at += 4;
      if (bytes.size() - at < len) return false;
      at += len;
    } else {
      const size_t width = static_cast<size_t>(PhysicalWidth(schema.field(c).type));
      if (bytes.size() - at < width) return false;
      at += width;
    }
  }
  return at == bytes.size();
}

Status AppendEncodedRow(std::string_view bytes, Batch* out, std::string_view what) {
  if (!IsEncodedRow(bytes, out->schema())) {
    return Status::Corruption(
        fmt::format("{} snapshot: a stored row does not match the schema {}", what, out->schema().ToString()));
  }
  const int row = out->num_rows();
  KeyEncoder::Decode(bytes, out->schema(), out, 0, row);
  out->set_num_rows(row + 1);
  if (out->has_row_kinds()) out->mutable_row_kinds()[row] = RowKind::kInsert;
  if (out->has_late_rows()) out->mutable_late_watermarks()[row] = kNotLate;
  return Status::Ok();
}

}  // namespace sluice::engine
