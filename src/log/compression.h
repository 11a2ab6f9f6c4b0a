#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::log {

// The codecs of a RecordBatch v2 (attributes bits 0..2), numbered as Kafka does.
enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

std::string_view CompressionName(Compression c);

// Appends `in` compressed with `codec` to `out`, in the framing Kafka clients
// expect: gzip (RFC 1952), snappy (raw block), LZ4 frame format, zstd frame.
// Thread-safety: pure functions.
Status Compress(Compression codec, std::string_view in, std::string* out);

// Appends the decompression of `in` to `out`. Accepts the framings real
// clients send (gzip or zlib; raw or xerial-framed snappy; LZ4 frame; zstd).
// Fails with kCorruption on malformed input and kResourceExhausted when the
// output would exceed `max_out` bytes (a guard against decompression bombs).
Status Decompress(Compression codec, std::string_view in, size_t max_out, std::string* out);

}  // namespace sluice::log
