#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::log {

// The fuzz entry point for the batch decoder: parses every batch in `data`,
// verifies CRCs, and walks every record and header. Must never crash, hang or
// read out of bounds, whatever the bytes. Called by the libFuzzer target
// (record_batch_fuzzer.cc, -DSLUICE_FUZZ=ON with clang) and by the unit test
// RecordBatchFuzzCorpus, which runs it over random and mutated inputs with gcc.
void FuzzRecordBatchDecoder(const uint8_t* data, size_t size);

}  // namespace sluice::log
