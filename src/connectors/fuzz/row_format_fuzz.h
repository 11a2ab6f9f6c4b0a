#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::connectors {

// The fuzz entry point for the row formats, which read untrusted bytes (file
// lines, topic record values and keys): the first byte picks the decoder —
// JSON, CSV (comma or tab), JSON with some columns unread (projection
// push-down) — and the rest is decoded into a row of every column type; the
// same bytes also go through engine::JsonPathEvaluator as a document (a fixed
// set of paths) and as a path. Must never crash, hang or read out of bounds.
// Called by the libFuzzer target (row_format_fuzzer.cc, -DSLUICE_FUZZ=ON with
// clang) and by the unit test RowFormatFuzzCorpus with gcc.
void FuzzRowFormats(const uint8_t* data, size_t size);

}  // namespace sluice::connectors
