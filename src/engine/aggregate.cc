#include "engine/aggregate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sluice::engine {

std::string_view AggKindName(AggKind kind) {
  switch (kind) {
    case AggKind::kCount: return "COUNT";
    case AggKind::kCountDistinct: return "COUNT_DISTINCT";
    case AggKind::kSum: return "SUM";
    case AggKind::kAvg: return "AVG";
    case AggKind::kMin: return "MIN";
    case AggKind::kMax: return "MAX";
    case AggKind::kFirstValue: return "FIRST_VALUE";
    case AggKind::kLastValue: return "LAST_VALUE";
    case AggKind::kVarPop: return "VAR_POP";
    case AggKind::kVarSamp: return "VAR_SAMP";
    case AggKind::kStddevPop: return "STDDEV_POP";
    case AggKind::kStddevSamp: return "STDDEV_SAMP";
    case AggKind::kListAgg: return "LISTAGG";
  }
  return "?";
}

namespace {
AggregateSpec Spec(AggKind k, std::string col) { return AggregateSpec{k, std::move(col), -1, ""}; }

// Accumulator field offsets within one aggregate's slot.
constexpr int kValue = 0;     // int64 / double / StringRef
constexpr int kCount = 8;     // int64: non-NULL inputs (SUM/AVG/MIN/MAX/FIRST/LAST)
constexpr int kTime = 16;     // int64: event time of the kept value (FIRST/LAST)
constexpr int kSquares = 16;  // int64 / double: sum of squares (VAR_*/STDDEV_*)

bool IsVariance(AggKind k) {
  return k == AggKind::kVarPop || k == AggKind::kVarSamp || k == AggKind::kStddevPop || k == AggKind::kStddevSamp;
}

int SlotWidth(AggKind k) {
  switch (k) {
    case AggKind::kCount:
    case AggKind::kCountDistinct: return 8;
    case AggKind::kFirstValue:
    case AggKind::kLastValue:
    case AggKind::kVarPop:
    case AggKind::kVarSamp:
    case AggKind::kStddevPop:
    case AggKind::kStddevSamp: return 24;
    default: return 16;
  }
}

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
void Store(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// The value of row r of `col` widened to its 8-byte accumulator form.
inline int64_t WideInt(const Column& col, int r) {
  switch (col.type()) {
    case DataType::kInt32:
    case DataType::kDate: return col.data<int32_t>()[r];
    case DataType::kBool: return col.data<uint8_t>()[r];
    default: return col.data<int64_t>()[r];
  }
}

}  // namespace

AggregateSpec Count() { return Spec(AggKind::kCount, ""); }
AggregateSpec Count(std::string c) { return Spec(AggKind::kCount, std::move(c)); }
AggregateSpec CountDistinct(std::string c) { return Spec(AggKind::kCountDistinct, std::move(c)); }
AggregateSpec Sum(std::string c) { return Spec(AggKind::kSum, std::move(c)); }
AggregateSpec Avg(std::string c) { return Spec(AggKind::kAvg, std::move(c)); }
AggregateSpec Min(std::string c) { return Spec(AggKind::kMin, std::move(c)); }
AggregateSpec Max(std::string c) { return Spec(AggKind::kMax, std::move(c)); }
AggregateSpec FirstValue(std::string c) { return Spec(AggKind::kFirstValue, std::move(c)); }
AggregateSpec LastValue(std::string c) { return Spec(AggKind::kLastValue, std::move(c)); }
AggregateSpec VarPop(std::string c) { return Spec(AggKind::kVarPop, std::move(c)); }
AggregateSpec VarSamp(std::string c) { return Spec(AggKind::kVarSamp, std::move(c)); }
AggregateSpec StddevPop(std::string c) { return Spec(AggKind::kStddevPop, std::move(c)); }
AggregateSpec StddevSamp(std::string c) { return Spec(AggKind::kStddevSamp, std::move(c)); }
AggregateSpec ListAgg(std::string c, std::string separator) {
  AggregateSpec s = Spec(AggKind::kListAgg, std::move(c));
  s.separator = std::move(separator);
  return s;
}

Result<AggregateLayout> AggregateLayout::Create(const std::vector<AggregateSpec>& specs, const Schema& input,
                                                int time_column) {
  AggregateLayout l;
  l.time_column_ = time_column;
  for (size_t i = 0; i < specs.size(); ++i) {
    const AggregateSpec& s = specs[i];
    Agg a;
    a.kind = s.kind;
    a.arg = s.arg_index;
    if (a.arg < 0 && !s.arg.empty()) {
      SLUICE_ASSIGN_OR_RETURN(a.arg, input.IndexOf(s.arg));
    }
    if (a.arg >= input.size())
      return Status::InvalidArgument(fmt::format("aggregate argument ${} out of range", a.arg));
    if (a.arg < 0 && s.kind != AggKind::kCount) {
      return Status::InvalidArgument(fmt::format("{} needs an argument column", AggKindName(s.kind)));
    }
    if (a.arg >= 0) a.arg_type = input.field(a.arg).type;
    DataType out = DataType::kInt64;
    switch (s.kind) {
      case AggKind::kCount:
      case AggKind::kCountDistinct: out = DataType::kInt64; break;
      case AggKind::kVarPop:
      case AggKind::kVarSamp:
      case AggKind::kStddevPop:
      case AggKind::kStddevSamp:
        if (!IsNumeric(a.arg_type)) {
          return Status::InvalidArgument(fmt::format("{}({}) needs a numeric column, not {}", AggKindName(s.kind),
                                                     input.field(a.arg).name, DataTypeName(a.arg_type)));
        }
        out = a.arg_type;  // as Flink (Calcite): the argument's type
        break;
      case AggKind::kListAgg:
        if (a.arg_type != DataType::kString) {
          return Status::InvalidArgument(fmt::format("LISTAGG({}) needs a STRING column, not {}",
                                                     input.field(a.arg).name, DataTypeName(a.arg_type)));
        }
        out = DataType::kString;
        a.separator = s.separator;
        break;
      case AggKind::kSum:
      case AggKind::kAvg:
        if (!IsNumeric(a.arg_type)) {
          return Status::InvalidArgument(fmt::format("{}({}) needs a numeric column, not {}", AggKindName(s.kind),
                                                     input.field(a.arg).name, DataTypeName(a.arg_type)));
        }
        // As Flink: SUM of integers is BIGINT; AVG keeps its argument's type
        // (integer AVG truncates toward zero, like Java's division).
        if (a.arg_type == DataType::kDouble) {
          out = DataType::kDouble;
        } else {
          out = s.kind == AggKind::kAvg ? a.arg_type : DataType::kInt64;
        }
        break;
      default: out = a.arg_type; break;
    }
    std::string name = s.output_name;
    if (name.empty()) {
      name = a.arg >= 0 ? fmt::format("{}_{}", AggKindName(s.kind), input.field(a.arg).name)
                        : std::string(AggKindName(s.kind));
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    a.output = Field{name, out};
    a.retract_values = s.retractable && (s.kind == AggKind::kMin || s.kind == AggKind::kMax);
    a.external = s.retractable && (s.kind == AggKind::kFirstValue || s.kind == AggKind::kLastValue);
    if (s.retractable && !a.retract_values && !a.external && s.kind != AggKind::kCount &&
        s.kind != AggKind::kCountDistinct && s.kind != AggKind::kSum && s.kind != AggKind::kAvg &&
        !IsVariance(s.kind)) {
      return Status::Unsupported(fmt::format("{} cannot retract rows yet", AggKindName(s.kind)));
    }
    a.offset = l.width_;
    l.width_ += SlotWidth(s.kind);
    l.has_distinct_ |= s.kind == AggKind::kCountDistinct || a.retract_values;
    l.has_strings_ |= a.arg_type == DataType::kString && s.kind != AggKind::kCount && s.kind != AggKind::kCountDistinct;
    l.aggs_.push_back(a);
  }
  l.count_star_offset_ = l.width_;
  l.width_ += 8;
  return l;
}

bool AggregateLayout::supports_retraction() const {
  for (const Agg& a : aggs_) {
    if (a.kind != AggKind::kCount && a.kind != AggKind::kCountDistinct && a.kind != AggKind::kSum &&
        a.kind != AggKind::kAvg && !IsVariance(a.kind) && !a.retract_values && !a.external) {
      return false;
    }
  }
  return true;
}

bool AggregateLayout::has_external() const {
  for (const Agg& a : aggs_) {
    if (a.external) return true;
  }
  return false;
}

void AggregateLayout::ValueBytes(const Column& col, int r, std::string* out) {
  if (col.type() == DataType::kString) {
    out->append(col.GetString(r));
  } else {
    const int w = PhysicalWidth(col.type());
    out->append(reinterpret_cast<const char*>(col.data<uint8_t>()) + static_cast<size_t>(r) * w, w);
  }
}

void AggregateLayout::SetExternalValue(KeyTable* table, uint32_t e, int i, const std::string* value) const {
  const Agg& a = aggs_[i];
  uint8_t* acc = table->payload(e) + a.offset;
  Store<int64_t>(acc + kCount, value ? 1 : 0);
  if (!value) return;
  // The accumulator forms Finalize reads: integers widened to 8 bytes.
  switch (a.arg_type) {
    case DataType::kString:
      Store<StringRef>(acc, StringRef{table->StoreBytes(*value), static_cast<uint32_t>(value->size())});
      break;
    case DataType::kInt32:
    case DataType::kDate: {
      int32_t v;
      std::memcpy(&v, value->data(), 4);
      Store<int64_t>(acc, v);
      break;
    }
    case DataType::kBool: Store<int64_t>(acc, static_cast<uint8_t>((*value)[0])); break;
    default: std::memcpy(acc, value->data(), 8); break;
  }
}

void AggregateLayout::RecomputeExtremes(const Agg& a, size_t ai, const std::vector<uint32_t>& dirty, KeyTable* table,
                                        const KeyTable& distinct) const {
  // One pass over the side table serves every dirty group of the batch.
  thread_local std::vector<uint8_t> is_dirty, found;
  is_dirty.assign(table->size(), 0);
  found.assign(table->size(), 0);
  for (uint32_t e : dirty) is_dirty[e] = 1;
  const bool is_min = a.kind == AggKind::kMin;
  for (uint32_t d = 0; d < distinct.size(); ++d) {
    if (!distinct.alive(d)) continue;
    const uint8_t* dp = distinct.payload(d);
    if (Load<int64_t>(dp) <= 0) continue;
    const int32_t glen = Load<int32_t>(dp + 8);
    const std::string_view key = distinct.key(d);
    if (static_cast<int32_t>(key.size()) <= glen || static_cast<uint8_t>(key[glen]) != ai) continue;
    const std::string_view group = key.substr(0, glen);
    const int64_t e = table->Find(group, HashKey(group));
    if (e < 0 || !is_dirty[e]) continue;
    const std::string_view v = key.substr(glen + 1);
    uint8_t* acc = table->payload(static_cast<uint32_t>(e)) + a.offset;
    const bool first = !found[e];
    found[e] = 1;
    if (a.arg_type == DataType::kString) {
      StringRef cur = Load<StringRef>(acc);
      if (first ||
          (is_min ? v < table->LoadBytes(cur.offset, cur.length) : v > table->LoadBytes(cur.offset, cur.length))) {
        Store<StringRef>(acc, StringRef{table->StoreBytes(v), static_cast<uint32_t>(v.size())});
      }
    } else if (a.arg_type == DataType::kDouble) {
      double x;
      std::memcpy(&x, v.data(), 8);
      if (first || (is_min ? x < Load<double>(acc) : x > Load<double>(acc))) Store<double>(acc, x);
    } else {
      int64_t x = 0;
      if (a.arg_type == DataType::kInt32 || a.arg_type == DataType::kDate) {
        int32_t y;
        std::memcpy(&y, v.data(), 4);
        x = y;
      } else {
        std::memcpy(&x, v.data(), 8);
      }
      if (first || (is_min ? x < Load<int64_t>(acc) : x > Load<int64_t>(acc))) Store<int64_t>(acc, x);
    }
  }
}

Status AggregateLayout::Accumulate(const Batch& batch, const int32_t* ks, int count, const uint32_t* entries,
                                   const KeyEncoder& keys, KeyTable* table, KeyTable* distinct, int sign) const {
  {
    const int off = count_star_offset_;
    for (int j = 0; j < count; ++j) {
      uint8_t* acc = table->payload(entries[ks[j]]) + off;
      Store<int64_t>(acc, Load<int64_t>(acc) + sign);
    }
  }
  const int64_t* times = time_column_ >= 0 ? batch.column(time_column_).data<int64_t>() : nullptr;
  // Reused between calls so that COUNT DISTINCT does not allocate per batch.
  thread_local std::string scratch_key;
  for (size_t ai = 0; ai < aggs_.size(); ++ai) {
    const Agg& a = aggs_[ai];
    const int off = a.offset;
    const Column* col = a.arg >= 0 ? &batch.column(a.arg) : nullptr;
    switch (a.kind) {
      case AggKind::kCount:
        for (int j = 0; j < count; ++j) {
          int k = ks[j];
          if (col && col->IsNull(batch.active_row(k))) continue;
          uint8_t* acc = table->payload(entries[k]) + off;
          Store<int64_t>(acc, Load<int64_t>(acc) + sign);
        }
        break;
      case AggKind::kSum:
      case AggKind::kAvg:
        if (a.arg_type == DataType::kDouble) {
          const double* v = col->data<double>();
          for (int j = 0; j < count; ++j) {
            int k = ks[j], r = batch.active_row(k);
            if (col->IsNull(r)) continue;
            uint8_t* acc = table->payload(entries[k]) + off;
            Store<double>(acc + kValue, Load<double>(acc + kValue) + sign * v[r]);
            Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + sign);
          }
        } else {
          for (int j = 0; j < count; ++j) {
            int k = ks[j], r = batch.active_row(k);
            if (col->IsNull(r)) continue;
            uint8_t* acc = table->payload(entries[k]) + off;
            uint64_t x = static_cast<uint64_t>(WideInt(*col, r));
            uint64_t s = Load<uint64_t>(acc + kValue);
            Store<uint64_t>(acc + kValue, sign > 0 ? s + x : s - x);
            Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + sign);
          }
        }
        break;
      case AggKind::kVarPop:
      case AggKind::kVarSamp:
      case AggKind::kStddevPop:
      case AggKind::kStddevSamp:
        if (a.arg_type == DataType::kDouble) {
          const double* v = col->data<double>();
          for (int j = 0; j < count; ++j) {
            int k = ks[j], r = batch.active_row(k);
            if (col->IsNull(r)) continue;
            uint8_t* acc = table->payload(entries[k]) + off;
            Store<double>(acc + kValue, Load<double>(acc + kValue) + sign * v[r]);
            Store<double>(acc + kSquares, Load<double>(acc + kSquares) + sign * v[r] * v[r]);
            Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + sign);
          }
        } else {
          // Integer sums wrap, as SUM's do (and Flink's integer x*x).
          for (int j = 0; j < count; ++j) {
            int k = ks[j], r = batch.active_row(k);
            if (col->IsNull(r)) continue;
            uint8_t* acc = table->payload(entries[k]) + off;
            const uint64_t x = static_cast<uint64_t>(WideInt(*col, r));
            const uint64_t s = Load<uint64_t>(acc + kValue), q = Load<uint64_t>(acc + kSquares);
            Store<uint64_t>(acc + kValue, sign > 0 ? s + x : s - x);
            Store<uint64_t>(acc + kSquares, sign > 0 ? q + x * x : q - x * x);
            Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + sign);
          }
        }
        break;
      case AggKind::kMin:
      case AggKind::kMax: {
        if (sign < 0 && !a.retract_values) {
          return Status::Unsupported(fmt::format("{} cannot retract rows yet", AggKindName(a.kind)));
        }
        const bool is_min = a.kind == AggKind::kMin;
        if (a.retract_values) {
          // Count every value per group; a retraction that removes the last
          // copy of the current extreme marks the group for a recompute.
          thread_local std::vector<uint32_t> dirty;
          dirty.clear();
          for (int j = 0; j < count; ++j) {
            int k = ks[j], r = batch.active_row(k);
            if (col->IsNull(r)) continue;
            std::string_view gk = keys.key(k);
            scratch_key.assign(gk.data(), gk.size());
            scratch_key.push_back(static_cast<char>(ai));
            ValueBytes(*col, r, &scratch_key);
            bool inserted;
            uint32_t d = distinct->FindOrInsert(scratch_key, HashKey(scratch_key), &inserted);
            uint8_t* dp = distinct->payload(d);
            if (inserted) Store<int32_t>(dp + 8, static_cast<int32_t>(gk.size()));
            const int64_t refs = Load<int64_t>(dp) + sign;
            Store<int64_t>(dp, refs);
            if (sign > 0) continue;  // inserts update the extreme below
            uint8_t* acc = table->payload(entries[k]) + off;
            const int64_t n = Load<int64_t>(acc + kCount) - 1;
            Store<int64_t>(acc + kCount, n);
            if (n <= 0 || refs > 0) continue;
            bool is_extreme;
            if (a.arg_type == DataType::kDouble) {
              is_extreme = col->data<double>()[r] == Load<double>(acc);
            } else if (a.arg_type == DataType::kString) {
              StringRef cur = Load<StringRef>(acc);
              is_extreme = col->GetString(r) == table->LoadBytes(cur.offset, cur.length);
            } else {
              is_extreme = WideInt(*col, r) == Load<int64_t>(acc);
            }
            if (is_extreme) dirty.push_back(entries[k]);
          }
          if (!dirty.empty()) RecomputeExtremes(a, ai, dirty, table, *distinct);
          if (sign < 0) break;
        }
        for (int j = 0; j < count; ++j) {
          int k = ks[j], r = batch.active_row(k);
          if (col->IsNull(r)) continue;
          uint8_t* acc = table->payload(entries[k]) + off;
          const bool has = Load<int64_t>(acc + kCount) > 0;
          bool take;
          if (a.arg_type == DataType::kDouble) {
            double v = col->data<double>()[r], cur = Load<double>(acc);
            take = !has || (is_min ? v < cur : v > cur);
            if (take) Store<double>(acc, v);
          } else if (a.arg_type == DataType::kString) {
            std::string_view v = col->GetString(r);
            StringRef cur = Load<StringRef>(acc);
            take = !has || (is_min ? v < table->LoadBytes(cur.offset, cur.length)
                                   : v > table->LoadBytes(cur.offset, cur.length));
            if (take) Store<StringRef>(acc, StringRef{table->StoreBytes(v), static_cast<uint32_t>(v.size())});
          } else {
            int64_t v = WideInt(*col, r), cur = Load<int64_t>(acc);
            take = !has || (is_min ? v < cur : v > cur);
            if (take) Store<int64_t>(acc, v);
          }
          Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + 1);
        }
        break;
      }
      case AggKind::kListAgg: {
        if (sign < 0) return Status::Unsupported("LISTAGG cannot retract rows yet");
        thread_local std::string joined;
        for (int j = 0; j < count; ++j) {
          int k = ks[j], r = batch.active_row(k);
          if (col->IsNull(r)) continue;
          uint8_t* acc = table->payload(entries[k]) + off;
          const std::string_view v = col->GetString(r);
          if (Load<int64_t>(acc + kCount) == 0) {
            Store<StringRef>(acc, StringRef{table->StoreBytes(v), static_cast<uint32_t>(v.size())});
          } else {
            // The old text becomes garbage the arena compaction reclaims.
            const StringRef cur = Load<StringRef>(acc);
            joined.assign(table->LoadBytes(cur.offset, cur.length));
            joined.append(a.separator).append(v);
            Store<StringRef>(acc, StringRef{table->StoreBytes(joined), static_cast<uint32_t>(joined.size())});
          }
          Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + 1);
        }
        break;
      }
      case AggKind::kFirstValue:
      case AggKind::kLastValue: {
        if (a.external) break;  // kept by the operator
        if (sign < 0) return Status::Unsupported(fmt::format("{} cannot retract rows yet", AggKindName(a.kind)));
        const bool first = a.kind == AggKind::kFirstValue;
        for (int j = 0; j < count; ++j) {
          int k = ks[j], r = batch.active_row(k);
          if (col->IsNull(r)) continue;
          uint8_t* acc = table->payload(entries[k]) + off;
          const bool has = Load<int64_t>(acc + kCount) > 0;
          const int64_t t = times ? times[r] : 0;
          const int64_t cur_t = Load<int64_t>(acc + kTime);
          // Earlier (FIRST) / later (LAST) time wins; equal times compare values.
          int time_cmp = t < cur_t ? -1 : (t > cur_t ? 1 : 0);
          if (!first) time_cmp = -time_cmp;
          if (!has) time_cmp = -1;
          bool take;
          if (a.arg_type == DataType::kDouble) {
            double v = col->data<double>()[r], cur = Load<double>(acc);
            take = !times ? (first ? !has : true) : (time_cmp < 0 || (time_cmp == 0 && (first ? v < cur : v > cur)));
            if (take) Store<double>(acc, v);
          } else if (a.arg_type == DataType::kString) {
            std::string_view v = col->GetString(r);
            StringRef cur = Load<StringRef>(acc);
            std::string_view cv = table->LoadBytes(cur.offset, cur.length);
            take = !times ? (first ? !has : true) : (time_cmp < 0 || (time_cmp == 0 && (first ? v < cv : v > cv)));
            if (take) Store<StringRef>(acc, StringRef{table->StoreBytes(v), static_cast<uint32_t>(v.size())});
          } else {
            int64_t v = WideInt(*col, r), cur = Load<int64_t>(acc);
            take = !times ? (first ? !has : true) : (time_cmp < 0 || (time_cmp == 0 && (first ? v < cur : v > cur)));
            if (take) Store<int64_t>(acc, v);
          }
          if (take) Store<int64_t>(acc + kTime, t);
          Store<int64_t>(acc + kCount, Load<int64_t>(acc + kCount) + 1);
        }
        break;
      }
      case AggKind::kCountDistinct: {
        for (int j = 0; j < count; ++j) {
          int k = ks[j], r = batch.active_row(k);
          if (col->IsNull(r)) continue;
          // Distinct key: group key, aggregate index, value bytes.
          std::string_view gk = keys.key(k);
          scratch_key.assign(gk.data(), gk.size());
          scratch_key.push_back(static_cast<char>(ai));
          if (col->type() == DataType::kString) {
            scratch_key.append(col->GetString(r));
          } else {
            const int w = PhysicalWidth(col->type());
            scratch_key.append(reinterpret_cast<const char*>(col->data<uint8_t>()) + static_cast<size_t>(r) * w, w);
          }
          bool inserted;
          uint32_t d = distinct->FindOrInsert(scratch_key, HashKey(scratch_key), &inserted);
          uint8_t* dp = distinct->payload(d);
          int64_t refs = Load<int64_t>(dp);
          if (inserted) Store<int32_t>(dp + 8, static_cast<int32_t>(gk.size()));
          Store<int64_t>(dp, refs + sign);
          uint8_t* acc = table->payload(entries[k]) + off;
          if (refs == 0 && sign > 0) Store<int64_t>(acc, Load<int64_t>(acc) + 1);
          if (refs == 1 && sign < 0) Store<int64_t>(acc, Load<int64_t>(acc) - 1);
        }
        break;
      }
    }
  }
  return Status::Ok();
}

void AggregateLayout::Merge(const KeyTable& src_table, uint32_t src, KeyTable* dst_table, uint32_t dst) const {
  const uint8_t* s = src_table.payload(src);
  uint8_t* d = dst_table->payload(dst);
  Store<int64_t>(d + count_star_offset_, Load<int64_t>(d + count_star_offset_) + Load<int64_t>(s + count_star_offset_));
  for (const Agg& a : aggs_) {
    const uint8_t* sa = s + a.offset;
    uint8_t* da = d + a.offset;
    switch (a.kind) {
      case AggKind::kCount:
      case AggKind::kCountDistinct: Store<int64_t>(da, Load<int64_t>(da) + Load<int64_t>(sa)); break;
      case AggKind::kSum:
      case AggKind::kAvg:
        if (a.arg_type == DataType::kDouble) {
          Store<double>(da, Load<double>(da) + Load<double>(sa));
        } else {
          Store<uint64_t>(da, Load<uint64_t>(da) + Load<uint64_t>(sa));
        }
        Store<int64_t>(da + kCount, Load<int64_t>(da + kCount) + Load<int64_t>(sa + kCount));
        break;
      case AggKind::kVarPop:
      case AggKind::kVarSamp:
      case AggKind::kStddevPop:
      case AggKind::kStddevSamp:
        if (a.arg_type == DataType::kDouble) {
          Store<double>(da, Load<double>(da) + Load<double>(sa));
          Store<double>(da + kSquares, Load<double>(da + kSquares) + Load<double>(sa + kSquares));
        } else {
          Store<uint64_t>(da, Load<uint64_t>(da) + Load<uint64_t>(sa));
          Store<uint64_t>(da + kSquares, Load<uint64_t>(da + kSquares) + Load<uint64_t>(sa + kSquares));
        }
        Store<int64_t>(da + kCount, Load<int64_t>(da + kCount) + Load<int64_t>(sa + kCount));
        break;
      case AggKind::kListAgg: {
        const int64_t sn = Load<int64_t>(sa + kCount);
        if (sn == 0) break;
        const int64_t dn = Load<int64_t>(da + kCount);
        const StringRef x = Load<StringRef>(sa);
        std::string joined;
        if (dn > 0) {
          const StringRef y = Load<StringRef>(da);
          joined.assign(dst_table->LoadBytes(y.offset, y.length)).append(a.separator);
        }
        joined.append(src_table.LoadBytes(x.offset, x.length));
        Store<StringRef>(da, StringRef{dst_table->StoreBytes(joined), static_cast<uint32_t>(joined.size())});
        Store<int64_t>(da + kCount, dn + sn);
        break;
      }
      case AggKind::kMin:
      case AggKind::kMax:
      case AggKind::kFirstValue:
      case AggKind::kLastValue: {
        const int64_t sn = Load<int64_t>(sa + kCount);
        if (sn == 0) break;
        const int64_t dn = Load<int64_t>(da + kCount);
        int cmp;  // < 0: source value is "better"
        const bool timed = a.kind == AggKind::kFirstValue || a.kind == AggKind::kLastValue;
        const bool lower_wins = a.kind == AggKind::kMin || a.kind == AggKind::kFirstValue;
        if (dn == 0) {
          cmp = -1;
        } else {
          cmp = 0;
          if (timed) {
            int64_t st = Load<int64_t>(sa + kTime), dt = Load<int64_t>(da + kTime);
            cmp = st < dt ? -1 : (st > dt ? 1 : 0);
            if (!lower_wins) cmp = -cmp;
          }
          if (cmp == 0) {
            int vc;
            if (a.arg_type == DataType::kDouble) {
              double x = Load<double>(sa), y = Load<double>(da);
              vc = x < y ? -1 : (x > y ? 1 : 0);
            } else if (a.arg_type == DataType::kString) {
              StringRef x = Load<StringRef>(sa), y = Load<StringRef>(da);
              int c = src_table.LoadBytes(x.offset, x.length).compare(dst_table->LoadBytes(y.offset, y.length));
              vc = c < 0 ? -1 : (c > 0 ? 1 : 0);
            } else {
              int64_t x = Load<int64_t>(sa), y = Load<int64_t>(da);
              vc = x < y ? -1 : (x > y ? 1 : 0);
            }
            cmp = lower_wins ? vc : -vc;
          }
        }
        if (cmp < 0) {
          if (a.arg_type == DataType::kString) {
            StringRef x = Load<StringRef>(sa);
            Store<StringRef>(da, StringRef{dst_table->StoreBytes(src_table.LoadBytes(x.offset, x.length)), x.length});
          } else {
            std::memcpy(da, sa, 8);
          }
          if (timed) std::memcpy(da + kTime, sa + kTime, 8);
        }
        Store<int64_t>(da + kCount, dn + sn);
        break;
      }
    }
  }
}

void AggregateLayout::RecountDistinct(const std::vector<const KeyTable*>& distincts, KeyTable* groups,
                                      KeyTable* scratch) const {
  scratch->Clear();
  for (const Agg& a : aggs_) {
    if (a.kind != AggKind::kCountDistinct) continue;
    for (uint32_t e = 0; e < groups->size(); ++e) Store<int64_t>(groups->payload(e) + a.offset, 0);
  }
  for (const KeyTable* d : distincts) {
    for (uint32_t e = 0; e < d->size(); ++e) {
      const uint8_t* dp = d->payload(e);
      if (Load<int64_t>(dp) <= 0) continue;
      std::string_view key = d->key(e);
      bool inserted;
      scratch->FindOrInsert(key, d->hash(e), &inserted);
      if (!inserted) continue;
      int32_t glen = Load<int32_t>(dp + 8);
      std::string_view gk = key.substr(0, glen);
      int ai = static_cast<uint8_t>(key[glen]);
      int64_t g = groups->Find(gk, HashKey(gk));
      if (g < 0) continue;
      uint8_t* acc = groups->payload(static_cast<uint32_t>(g)) + aggs_[ai].offset;
      Store<int64_t>(acc, Load<int64_t>(acc) + 1);
    }
  }
}

void AggregateLayout::Finalize(const KeyTable& table, uint32_t e, Batch* out, int first_column, int row) const {
  const uint8_t* p = table.payload(e);
  for (size_t i = 0; i < aggs_.size(); ++i) {
    const Agg& a = aggs_[i];
    const uint8_t* acc = p + a.offset;
    Column& col = out->column(first_column + static_cast<int>(i));
    switch (a.kind) {
      case AggKind::kCount:
      case AggKind::kCountDistinct:
        col.SetValid(row);
        col.data<int64_t>()[row] = Load<int64_t>(acc);
        break;
      case AggKind::kSum: {
        const int64_t n = Load<int64_t>(acc + kCount);
        col.SetValidity(row, n > 0);
        if (a.arg_type == DataType::kDouble) {
          col.data<double>()[row] = n > 0 ? Load<double>(acc) : 0;
        } else {
          col.data<int64_t>()[row] = n > 0 ? Load<int64_t>(acc) : 0;
        }
        break;
      }
      case AggKind::kAvg: {
        const int64_t n = Load<int64_t>(acc + kCount);
        col.SetValidity(row, n > 0);
        if (a.arg_type == DataType::kDouble) {
          col.data<double>()[row] = n > 0 ? Load<double>(acc) / static_cast<double>(n) : 0;
        } else {
          const int64_t avg = n > 0 ? Load<int64_t>(acc) / n : 0;
          if (col.type() == DataType::kInt32) {
            col.data<int32_t>()[row] = static_cast<int32_t>(avg);
          } else {
            col.data<int64_t>()[row] = avg;
          }
        }
        break;
      }
      case AggKind::kVarPop:
      case AggKind::kVarSamp:
      case AggKind::kStddevPop:
      case AggKind::kStddevSamp: {
        const int64_t n = Load<int64_t>(acc + kCount);
        const bool sample = a.kind == AggKind::kVarSamp || a.kind == AggKind::kStddevSamp;
        const bool root = a.kind == AggKind::kStddevPop || a.kind == AggKind::kStddevSamp;
        const bool valid = n > (sample ? 1 : 0);
        col.SetValidity(row, valid);
        if (!valid) {
          std::memset(col.data<uint8_t>() + static_cast<size_t>(row) * PhysicalWidth(col.type()), 0,
                      PhysicalWidth(col.type()));
          break;
        }
        const int64_t d = sample ? n - 1 : n;
        if (a.arg_type == DataType::kDouble) {
          const double s = Load<double>(acc), q = Load<double>(acc + kSquares);
          // Rounding can leave a tiny negative variance where Flink's
          // POWER(x, 0.5) would give NaN: it is 0.
          const double var = std::max(0.0, (q - s * s / static_cast<double>(n)) / static_cast<double>(d));
          col.data<double>()[row] = root ? std::sqrt(var) : var;
        } else {
          // Integer arithmetic throughout, as Flink's reduced expression.
          const int64_t s = Load<int64_t>(acc), q = Load<int64_t>(acc + kSquares);
          const int64_t square = static_cast<int64_t>(static_cast<uint64_t>(s) * static_cast<uint64_t>(s));  // wraps
          const int64_t var = static_cast<int64_t>(static_cast<uint64_t>(q) - static_cast<uint64_t>(square / n)) / d;
          // Java's (long) Math.pow(negative, 0.5) is (long) NaN = 0.
          const int64_t v = !root ? var : var <= 0 ? 0 : static_cast<int64_t>(std::sqrt(static_cast<double>(var)));
          if (col.type() == DataType::kInt32) {
            col.data<int32_t>()[row] = static_cast<int32_t>(v);
          } else {
            col.data<int64_t>()[row] = v;
          }
        }
        break;
      }
      default: {
        const int64_t n = Load<int64_t>(acc + kCount);
        col.SetValidity(row, n > 0);
        if (n == 0) {
          if (col.type() == DataType::kString) col.data<StringRef>()[row] = StringRef{};
          break;
        }
        switch (a.arg_type) {
          case DataType::kString: {
            StringRef s = Load<StringRef>(acc);
            col.SetString(row, table.LoadBytes(s.offset, s.length));
            break;
          }
          case DataType::kInt32:
          case DataType::kDate: col.data<int32_t>()[row] = static_cast<int32_t>(Load<int64_t>(acc)); break;
          case DataType::kBool: col.data<uint8_t>()[row] = static_cast<uint8_t>(Load<int64_t>(acc)); break;
          default: std::memcpy(col.data<uint8_t>() + static_cast<size_t>(row) * 8, acc, 8); break;
        }
      }
    }
  }
}

void AggregateLayout::WriteEntry(const KeyTable& table, uint32_t e, SnapshotWriter* w) const {
  w->PutBytes(table.key(e));
  const uint8_t* p = table.payload(e);
  w->PutBytes(std::string_view(reinterpret_cast<const char*>(p), width_));
  for (const Agg& a : aggs_) {
    if (a.arg_type != DataType::kString || a.kind == AggKind::kCount || a.kind == AggKind::kCountDistinct) continue;
    StringRef ref = Load<StringRef>(p + a.offset);
    w->PutBytes(Load<int64_t>(p + a.offset + kCount) > 0 ? table.LoadBytes(ref.offset, ref.length) : "");
  }
}

Status AggregateLayout::ReadEntry(SnapshotReader* r, KeyTable* table, uint32_t* entry) const {
  std::string_view key, payload;
  if (!r->GetBytes(&key) || !r->GetBytes(&payload) || payload.size() != static_cast<size_t>(width_)) {
    return Status::Corruption("aggregate snapshot entry is truncated or has a different layout");
  }
  bool inserted;
  uint32_t e = table->FindOrInsert(key, HashKey(key), &inserted);
  if (!inserted) return Status::Corruption("aggregate snapshot holds a key twice");
  if (entry) *entry = e;
  uint8_t* p = table->payload(e);
  std::memcpy(p, payload.data(), width_);
  for (const Agg& a : aggs_) {
    if (a.arg_type != DataType::kString || a.kind == AggKind::kCount || a.kind == AggKind::kCountDistinct) continue;
    std::string_view v;
    if (!r->GetBytes(&v)) return Status::Corruption("aggregate snapshot string value is truncated");
    Store<StringRef>(p + a.offset, StringRef{table->StoreBytes(v), static_cast<uint32_t>(v.size())});
  }
  return Status::Ok();
}

void AggregateLayout::EncodeValue(const KeyTable& table, uint32_t e, std::string* out) const {
  SnapshotWriter w(out);
  const uint8_t* p = table.payload(e);
  out->append(reinterpret_cast<const char*>(p), width_);
  for (const Agg& a : aggs_) {
    if (a.arg_type != DataType::kString || a.kind == AggKind::kCount || a.kind == AggKind::kCountDistinct) continue;
    StringRef ref = Load<StringRef>(p + a.offset);
    w.PutBytes(Load<int64_t>(p + a.offset + kCount) > 0 ? table.LoadBytes(ref.offset, ref.length) : "");
  }
}

Status AggregateLayout::DecodeValue(std::string_view value, KeyTable* table, uint32_t e) const {
  if (value.size() < static_cast<size_t>(width_)) {
    return Status::Corruption("aggregate state value is truncated or has a different layout");
  }
  uint8_t* p = table->payload(e);
  std::memcpy(p, value.data(), width_);
  SnapshotReader r(value.substr(width_));
  for (const Agg& a : aggs_) {
    if (a.arg_type != DataType::kString || a.kind == AggKind::kCount || a.kind == AggKind::kCountDistinct) continue;
    std::string_view v;
    if (!r.GetBytes(&v)) return Status::Corruption("aggregate state string value is truncated");
    Store<StringRef>(p + a.offset, StringRef{table->StoreBytes(v), static_cast<uint32_t>(v.size())});
  }
  if (!r.done()) return Status::Corruption("aggregate state value has trailing bytes");
  return Status::Ok();
}

bool AggregateLayout::IsEmpty(const KeyTable& table, uint32_t e) const {
  return Load<int64_t>(table.payload(e) + count_star_offset_) <= 0;
}

}  // namespace sluice::engine
