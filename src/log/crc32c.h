#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::log {

// CRC-32C (Castagnoli), the checksum of Kafka RecordBatch v2.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once, at
// first use) and a slicing-by-8 table otherwise; both give identical results.
// Thread-safety: pure functions.
uint32_t Crc32c(const void* data, size_t n);
// Continues a CRC over more bytes: Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

// The two implementations, exposed so tests can pin them against each other.
uint32_t Crc32cPortable(uint32_t crc, const void* data, size_t n);
// Requires CpuHasCrc32c().
uint32_t Crc32cHardware(uint32_t crc, const void* data, size_t n);
bool CpuHasCrc32c();

}  // namespace sluice::log
