#include "engine/state/rocksdb_store.h"

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <system_error>

namespace sluice::engine {

namespace fs = std::filesystem;

namespace {

// A range copy commits every this many bytes, so copying a large key range
// never stages it whole in memory.
constexpr size_t kCopyBatchBytes = 4 << 20;

Status FromRocks(const rocksdb::Status& s, std::string_view what, const fs::path& dir) {
  if (s.ok()) return Status::Ok();
  std::string m = fmt::format("RocksDB state in {}: {}: {}", dir.string(), what, s.ToString());
  if (s.IsCorruption()) return Status::Corruption(std::move(m));
  if (s.IsNotFound() || s.IsPathNotFound()) return Status::NotFound(std::move(m));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(m));
  return Status::IoError(std::move(m));
}

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

rocksdb::Options MakeOptions(const RocksDbStore::Options& o) {
  rocksdb::Options opt;
  opt.create_if_missing = true;
  opt.write_buffer_size = static_cast<size_t>(std::max<int64_t>(o.write_buffer_bytes, 1 << 20));
  opt.max_write_buffer_number = 2;
  // Small instances, many of them (stages × workers): few background
  // threads, no info log files beside the data.
  opt.max_background_jobs = 2;
  opt.keep_log_file_num = 1;
  opt.max_log_file_size = 1 << 20;
  opt.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(static_cast<size_t>(std::max<int64_t>(o.block_cache_bytes, 1 << 20)));
  // Index and filter blocks count against the block cache: memory stays
  // bounded by it however many SST files the state grows to.
  t.cache_index_and_filter_blocks = false;
  // Point lookups (cache misses) dominate: a Bloom filter skips files
  // without the key.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opt.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  const auto supported = rocksdb::GetSupportedCompressions();
  opt.compression = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()
                        ? rocksdb::kLZ4Compression
                        : rocksdb::kNoCompression;
  return opt;
}

}  // namespace

struct RocksDbStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions write_options;
  // MultiGet scratch, reused lookup after lookup: values are copied into
  // strings that keep their capacity (see MultiGet in the header for why
  // not PinnableSlices).
  std::vector<rocksdb::Slice> keys;
  std::vector<rocksdb::Status> statuses;
  std::vector<std::string> copies;
};

struct RocksDbStore::Cursor::Impl {
  std::unique_ptr<rocksdb::Iterator> it;
  std::string hi;
  rocksdb::Slice upper;
};

RocksDbStore::RocksDbStore(fs::path dir) : dir_(std::move(dir)), impl_(std::make_unique<Impl>()) {}
RocksDbStore::~RocksDbStore() = default;

Result<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const fs::path& dir, const Options& options, Mode mode) {
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(dir));
  rocksdb::Options opt = MakeOptions(options);
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (mode == Mode::kReadOnly) {
    opt.create_if_missing = false;
    s = rocksdb::DB::OpenForReadOnly(opt, dir.string(), &db);
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::IoError(fmt::format("cannot create state directory {}: {}", dir.string(), ec.message()));
    s = rocksdb::DB::Open(opt, dir.string(), &db);
  }
  SLUICE_RETURN_IF_ERROR(FromRocks(s, "open", dir));
  store->impl_->db.reset(db);
  // No WAL: the durable copy of the state is the last checkpoint, and a
  // checkpoint flushes the memtable first.
  store->impl_->write_options.disableWAL = true;
  return store;
}

void RocksDbStore::Put(std::string_view key, std::string_view value) {
  impl_->batch.Put(ToSlice(key), ToSlice(value));
  ++staged_;
}

void RocksDbStore::Delete(std::string_view key) {
  impl_->batch.Delete(ToSlice(key));
  ++staged_;
}

Status RocksDbStore::Commit() {
  if (staged_ == 0) return Status::Ok();
  rocksdb::Status s = impl_->db->Write(impl_->write_options, &impl_->batch);
  impl_->batch.Clear();
  staged_ = 0;
  return FromRocks(s, "write", dir_);
}

Status RocksDbStore::MultiGet(const std::vector<std::string_view>& keys) {
  Impl& m = *impl_;
  const size_t n = keys.size();
  if (m.copies.size() < n) {
    m.copies.resize(n);
    m.statuses.resize(n);
  }
  m.keys.resize(n);
  for (size_t i = 0; i < n; ++i) m.keys[i] = ToSlice(keys[i]);
  if (n == 0) return Status::Ok();
  for (size_t i = 0; i < n; ++i) {
    m.statuses[i] = m.db->Get(rocksdb::ReadOptions(), m.db->DefaultColumnFamily(), m.keys[i], &m.copies[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!m.statuses[i].ok() && !m.statuses[i].IsNotFound()) return FromRocks(m.statuses[i], "read", dir_);
  }
  return Status::Ok();
}

bool RocksDbStore::found(size_t i) const { return impl_->statuses[i].ok(); }
std::string_view RocksDbStore::value(size_t i) const { return impl_->copies[i]; }

RocksDbStore::Cursor::Cursor(const RocksDbStore& store, std::string_view lo, std::string_view hi)
    : impl_(std::make_unique<Impl>()) {
  impl_->hi = std::string(hi);
  impl_->upper = ToSlice(impl_->hi);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &impl_->upper;
  ro.fill_cache = false;  // a scan (restore, rescale) should not evict the hot set
  impl_->it.reset(store.impl_->db->NewIterator(ro));
  impl_->it->Seek(ToSlice(lo));
}
RocksDbStore::Cursor::~Cursor() = default;
bool RocksDbStore::Cursor::Valid() const { return impl_->it->Valid(); }
void RocksDbStore::Cursor::Next() { impl_->it->Next(); }
std::string_view RocksDbStore::Cursor::key() const { return ToView(impl_->it->key()); }
std::string_view RocksDbStore::Cursor::value() const { return ToView(impl_->it->value()); }
Status RocksDbStore::Cursor::status() const {
  rocksdb::Status s = impl_->it->status();
  return s.ok() ? Status::Ok() : Status::IoError("RocksDB scan: " + s.ToString());
}

Status RocksDbStore::CopyRange(const RocksDbStore& from, std::string_view lo, std::string_view hi) {
  Status st;
  size_t bytes = 0;
  Status scan = from.Scan(lo, hi, [&](std::string_view k, std::string_view v) {
    Put(k, v);
    bytes += k.size() + v.size();
    if (bytes >= kCopyBatchBytes) {
      st = Commit();
      bytes = 0;
    }
    return st.ok();
  });
  SLUICE_RETURN_IF_ERROR(st);
  SLUICE_RETURN_IF_ERROR(scan);
  return Commit();
}

Status RocksDbStore::CreateCheckpoint(const fs::path& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  SLUICE_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(impl_->db.get(), &raw), "checkpoint", dir_));
  std::unique_ptr<rocksdb::Checkpoint> ck(raw);
  // log_size_for_flush 0: always flush the memtable, so the checkpoint is
  // complete in SST files (the instance has no WAL).
  return FromRocks(ck->CreateCheckpoint(dir.string(), 0), fmt::format("checkpoint into {}", dir.string()), dir_);
}

Status RocksDbStore::VerifyCheckpoint(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(fmt::format("state directory {} is missing", dir.string()));
  rocksdb::Options opt;
  opt.create_if_missing = false;
  opt.info_log_level = rocksdb::InfoLogLevel::FATAL_LEVEL;
  // Opening checks the MANIFEST and that every SST file it names exists
  // with its size.
  opt.paranoid_checks = true;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(opt, dir.string(), &db);
  delete db;
  return FromRocks(s, "verify checkpoint", dir);
}

Status RocksDbStore::CloneCheckpoint(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::create_directories(to, ec);
  if (ec) return Status::IoError(fmt::format("cannot create state directory {}: {}", to.string(), ec.message()));
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    const fs::path& src = entry.path();
    const fs::path dst = to / src.filename();
    if (src.extension() == ".sst") {
      fs::create_hard_link(src, dst, ec);
      if (!ec) continue;  // else (another filesystem): copy
      ec.clear();
    }
    fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      return Status::IoError(
          fmt::format("cannot copy checkpoint file {} to {}: {}", src.string(), dst.string(), ec.message()));
    }
  }
  if (ec) return Status::IoError(fmt::format("cannot list checkpoint {}: {}", from.string(), ec.message()));
  return Status::Ok();
}

int64_t RocksDbStore::MemoryBytes() const {
  uint64_t mem = 0, cache = 0, readers = 0;
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &mem);
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &cache);
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem, &readers);
  return static_cast<int64_t>(mem + cache + readers);
}

int64_t RocksDbStore::DiskBytes() const {
  uint64_t v = 0;
  impl_->db->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &v);
  return static_cast<int64_t>(v);
}

}  // namespace sluice::engine
