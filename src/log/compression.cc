#include "log/compression.h"

#include <fmt/format.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace sluice::log {
namespace {

constexpr int kGzipWindowBits = 15 + 16;        // deflate window 32 KiB, gzip wrapper
constexpr int kAutoDetectWindowBits = 15 + 32;  // accept gzip or zlib wrapper
constexpr size_t kChunk = 64 << 10;
constexpr char kXerialMagic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t kXerialHeaderSize = 16;  // magic + version + compatible version

Status TooLarge(Compression c, size_t max_out) {
  return Status::ResourceExhausted(
      fmt::format("{} batch decompresses to more than {} bytes; raise the limit or "
                  "send smaller batches",
                  CompressionName(c), max_out));
}

Status GzipCompress(std::string_view in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  size_t start = out->size();
  size_t bound = deflateBound(&zs, in.size());
  out->resize(start + bound);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  zs.avail_out = static_cast<uInt>(bound);
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    out->resize(start);
    return Status::Internal(fmt::format("gzip: deflate returned {}", rc));
  }
  out->resize(start + produced);
  return Status::Ok();
}

Status GzipDecompress(std::string_view in, size_t max_out, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, kAutoDetectWindowBits) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  size_t start = out->size();
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    size_t have = out->size() - start;
    if (have >= max_out) {
      inflateEnd(&zs);
      out->resize(start);
      return TooLarge(Compression::kGzip, max_out);
    }
    size_t grow = std::min(kChunk, max_out - have);
    out->resize(out->size() + grow);
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + start + have);
    zs.avail_out = static_cast<uInt>(grow);
    rc = inflate(&zs, Z_NO_FLUSH);
    out->resize(start + have + (grow - zs.avail_out));
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) {
      inflateEnd(&zs);
      out->resize(start);
      return Status::Corruption(fmt::format("gzip: malformed compressed records ({})", zs.msg ? zs.msg : "truncated"));
    }
  }
  inflateEnd(&zs);
  return Status::Ok();
}

Status SnappyCompress(std::string_view in, std::string* out) {
  size_t start = out->size();
  size_t len = snappy_max_compressed_length(in.size());
  out->resize(start + len);
  if (snappy_compress(in.data(), in.size(), out->data() + start, &len) != SNAPPY_OK) {
    out->resize(start);
    return Status::Internal("snappy: compress failed");
  }
  out->resize(start + len);
  return Status::Ok();
}

Status SnappyRawDecompress(std::string_view in, size_t max_out, std::string* out) {
  size_t len = 0;
  if (snappy_uncompressed_length(in.data(), in.size(), &len) != SNAPPY_OK) {
    return Status::Corruption("snappy: malformed compressed records");
  }
  if (len > max_out) return TooLarge(Compression::kSnappy, max_out);
  size_t start = out->size();
  out->resize(start + len);
  if (snappy_uncompress(in.data(), in.size(), out->data() + start, &len) != SNAPPY_OK) {
    out->resize(start);
    return Status::Corruption("snappy: malformed compressed records");
  }
  out->resize(start + len);
  return Status::Ok();
}

uint32_t ReadBe32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

// The Java client wraps snappy in xerial's stream framing: a 16-byte header,
// then blocks each preceded by a big-endian length.
Status SnappyDecompress(std::string_view in, size_t max_out, std::string* out) {
  if (in.size() < kXerialHeaderSize || std::memcmp(in.data(), kXerialMagic, sizeof(kXerialMagic)) != 0) {
    return SnappyRawDecompress(in, max_out, out);
  }
  size_t start = out->size();
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return Status::Corruption("snappy: truncated xerial block length");
    uint32_t n = ReadBe32(in.data() + pos);
    pos += 4;
    if (n > in.size() - pos) return Status::Corruption("snappy: xerial block runs past the end");
    size_t used = out->size() - start;
    Status s = SnappyRawDecompress(in.substr(pos, n), max_out - used, out);
    if (!s.ok()) {
      out->resize(start);
      return s;
    }
    pos += n;
  }
  return Status::Ok();
}

Status Lz4Compress(std::string_view in, std::string* out) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentSize = in.size();
  size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
  size_t start = out->size();
  out->resize(start + bound);
  size_t n = LZ4F_compressFrame(out->data() + start, bound, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    out->resize(start);
    return Status::Internal(fmt::format("lz4: {}", LZ4F_getErrorName(n)));
  }
  out->resize(start + n);
  return Status::Ok();
}

Status Lz4Decompress(std::string_view in, size_t max_out, std::string* out) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return Status::Internal("lz4: cannot create decompression context");
  }
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, LZ4F_freeDecompressionContext);
  size_t start = out->size();
  size_t pos = 0;
  size_t hint = 1;
  while (hint != 0) {
    size_t have = out->size() - start;
    if (have >= max_out) {
      out->resize(start);
      return TooLarge(Compression::kLz4, max_out);
    }
    if (pos >= in.size()) {
      out->resize(start);
      return Status::Corruption("lz4: compressed records end before the frame does");
    }
    size_t grow = std::min(kChunk, max_out - have);
    out->resize(out->size() + grow);
    size_t dst_size = grow;
    size_t src_size = in.size() - pos;
    hint = LZ4F_decompress(ctx.get(), out->data() + start + have, &dst_size, in.data() + pos, &src_size, nullptr);
    out->resize(start + have + dst_size);
    if (LZ4F_isError(hint)) {
      out->resize(start);
      return Status::Corruption(fmt::format("lz4: malformed compressed records ({})", LZ4F_getErrorName(hint)));
    }
    pos += src_size;
    if (src_size == 0 && dst_size == 0 && hint != 0) {
      out->resize(start);
      return Status::Corruption("lz4: frame makes no progress");
    }
  }
  return Status::Ok();
}

Status ZstdCompress(std::string_view in, std::string* out) {
  size_t bound = ZSTD_compressBound(in.size());
  size_t start = out->size();
  out->resize(start + bound);
  size_t n = ZSTD_compress(out->data() + start, bound, in.data(), in.size(), 1);
  if (ZSTD_isError(n)) {
    out->resize(start);
    return Status::Internal(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  }
  out->resize(start + n);
  return Status::Ok();
}

Status ZstdDecompress(std::string_view in, size_t max_out, std::string* out) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Status::Internal("zstd: cannot create decompression context");
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t start = out->size();
  size_t rc = 1;
  while (rc != 0) {
    size_t have = out->size() - start;
    if (have >= max_out) {
      out->resize(start);
      return TooLarge(Compression::kZstd, max_out);
    }
    size_t grow = std::min(kChunk, max_out - have);
    out->resize(out->size() + grow);
    ZSTD_outBuffer output{out->data() + start + have, grow, 0};
    size_t in_before = input.pos;
    rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    out->resize(start + have + output.pos);
    if (ZSTD_isError(rc)) {
      out->resize(start);
      return Status::Corruption(fmt::format("zstd: malformed compressed records ({})", ZSTD_getErrorName(rc)));
    }
    if (rc != 0 && output.pos == 0 && input.pos == in_before) {
      out->resize(start);
      return Status::Corruption("zstd: compressed records end before the frame does");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kSnappy: return "snappy";
    case Compression::kLz4: return "lz4";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

Status Compress(Compression codec, std::string_view in, std::string* out) {
  switch (codec) {
    case Compression::kNone: out->append(in); return Status::Ok();
    case Compression::kGzip: return GzipCompress(in, out);
    case Compression::kSnappy: return SnappyCompress(in, out);
    case Compression::kLz4: return Lz4Compress(in, out);
    case Compression::kZstd: return ZstdCompress(in, out);
  }
  return Status::Unsupported(fmt::format("compression codec {} is not supported", static_cast<int>(codec)));
}

Status Decompress(Compression codec, std::string_view in, size_t max_out, std::string* out) {
  switch (codec) {
    case Compression::kNone:
      if (in.size() > max_out) return TooLarge(codec, max_out);
      out->append(in);
      return Status::Ok();
    case Compression::kGzip: return GzipDecompress(in, max_out, out);
    case Compression::kSnappy: return SnappyDecompress(in, max_out, out);
    case Compression::kLz4: return Lz4Decompress(in, max_out, out);
    case Compression::kZstd: return ZstdDecompress(in, max_out, out);
  }
  return Status::Unsupported(fmt::format("compression codec {} is not supported", static_cast<int>(codec)));
}

}  // namespace sluice::log
