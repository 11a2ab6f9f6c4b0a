#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/batch.h"
#include "engine/keyed_state.h"

namespace sluice::engine {

// Whole rows inside keyed-state snapshots. A row is encoded as KeyEncoder
// encodes keys, over every column of its schema: per column a validity byte
// (0 or 1), then the little-endian fixed-width value (zeros when NULL) or, for
// STRING, a u32 length and the bytes. In a snapshot a row is written as
// SnapshotWriter::PutBytes of that encoding (u32 length, then the bytes).
// Nothing in it depends on batch capacity, arenas or pointers.

// Appends the encoding of physical row `row` of `batch` to *out.
void EncodeRow(const Batch& batch, int row, std::string* out);
// Whether `bytes` is exactly one well-formed row of `schema`.
bool IsEncodedRow(std::string_view bytes, const Schema& schema);
// Appends the row encoded in `bytes` to `out` as a new +I row (the caller
// checks there is room); Corruption (naming `what`) if it is malformed.
Status AppendEncodedRow(std::string_view bytes, Batch* out, std::string_view what);

inline void PutRow(const Batch& batch, int row, SnapshotWriter* w, std::string* scratch) {
  scratch->clear();
  EncodeRow(batch, row, scratch);
  w->PutBytes(*scratch);
}

}  // namespace sluice::engine
