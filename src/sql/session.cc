#include "sql/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>

#include "common/duration.h"
#include "common/logging.h"
#include "sql/expr_binder.h"
#include "sql/parser.h"
#include "sql/syntax_error.h"
#include "sql/unparser.h"

namespace sluice::sql {

struct Session::PendingInsert {
  engine::JobSpec spec;
  std::shared_ptr<engine::Sink> sink;
  std::vector<std::shared_ptr<engine::Sink>> side_sinks;  // late-data and dead-letter tables
  std::string target;
  std::string plan_text;  // EXPLAIN's rendering
};

namespace {

std::string LastName(const QualifiedName& n) { return n.parts.empty() ? "" : n.parts.back().name; }

// A memory size option as Flink writes them ("8388608", "64mb", "64 mb",
// "1g", "512 kb"), in bytes. `key` names the option in errors.
Result<int64_t> ParseMemorySize(std::string_view key, const std::string& text) {
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > (int64_t{1} << 50)) break;
    n = n * 10 + (text[i++] - '0');
  }
  std::string unit;
  for (size_t j = i; j < text.size(); ++j) {
    if (text[j] != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[j])));
  }
  int64_t scale = 0;
  if (unit.empty() || unit == "b" || unit == "bytes") scale = 1;
  if (unit == "k" || unit == "kb" || unit == "kibibytes") scale = int64_t{1} << 10;
  if (unit == "m" || unit == "mb" || unit == "mebibytes") scale = int64_t{1} << 20;
  if (unit == "g" || unit == "gb" || unit == "gibibytes") scale = int64_t{1} << 30;
  if (i == 0 || scale == 0 || n > (int64_t{1} << 50)) {
    return Status::InvalidArgument(
        fmt::format("'{}' = '{}' is not a memory size; write e.g. '64mb', '512 kb' or '1g'", key, text));
  }
  return n * scale;
}

// The state backend options of the session (Flink's names where Flink has them).
Result<engine::StateBackendConfig> StateBackendOf(const Catalog& catalog) {
  engine::StateBackendConfig c;
  SLUICE_ASSIGN_OR_RETURN(c.backend, engine::ParseStateBackend(catalog.Get("state.backend", "hashmap")));
  c.local_dir = catalog.Get("state.backend.rocksdb.localdir", "");
  const std::string entries = catalog.Get("state.backend.rocksdb.cache-entries", "");
  if (!entries.empty()) {
    char* end = nullptr;
    const long long v = std::strtoll(entries.c_str(), &end, 10);
    if (v <= 0 || *end != '\0') {
      return Status::InvalidArgument(
          fmt::format("'state.backend.rocksdb.cache-entries' = '{}' must be a positive number of keys", entries));
    }
    c.cache_entries = v;
  }
  const std::string block = catalog.Get("state.backend.rocksdb.block.cache-size", "");
  if (!block.empty()) {
    SLUICE_ASSIGN_OR_RETURN(c.block_cache_bytes, ParseMemorySize("state.backend.rocksdb.block.cache-size", block));
  }
  const std::string buffer = catalog.Get("state.backend.rocksdb.writebuffer.size", "");
  if (!buffer.empty()) {
    SLUICE_ASSIGN_OR_RETURN(c.write_buffer_bytes, ParseMemorySize("state.backend.rocksdb.writebuffer.size", buffer));
  }
  return c;
}

}  // namespace

std::string FormatTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  }
  std::string rule = "+";
  for (size_t x : w) rule += std::string(x + 2, '-') + "+";
  rule += "\n";
  auto line = [&](const std::vector<std::string>& r) {
    std::string s = "|";
    for (size_t i = 0; i < w.size(); ++i) {
      std::string v = i < r.size() ? r[i] : "";
      s += " " + v + std::string(w[i] - v.size(), ' ') + " |";
    }
    return s + "\n";
  };
  std::string out = rule + line(header) + rule;
  for (const auto& r : rows) out += line(r);
  out += rule;
  out += fmt::format("{} row{} in set\n", rows.size(), rows.size() == 1 ? "" : "s");
  return out;
}

Session::Session(const engine::ConnectorRegistry* registry, engine::ConnectorContext ctx)
    : registry_(registry), ctx_(std::move(ctx)) {}

Session::~Session() = default;

int Session::Parallelism() const {
  if (parallelism_override_ > 0) return parallelism_override_;
  std::string p = catalog_.Get("parallelism", catalog_.Get("parallelism.default", ""));
  if (p.empty()) return ctx_.parallelism > 0 ? ctx_.parallelism : 1;
  return std::max(1, std::atoi(p.c_str()));
}

Planner Session::MakePlanner() const {
  engine::ConnectorContext ctx = ctx_;
  ctx.parallelism = Parallelism();
  return Planner(&catalog_, registry_, ctx, source_);
}

void Session::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  for (engine::Job* j : running_) j->Cancel();
}

Status Session::ExecuteScript(std::string_view script, std::string* out) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = false;  // a Cancel() between scripts does not outlive them
  }
  source_ = std::make_shared<const std::string>(script);
  SLUICE_ASSIGN_OR_RETURN(Script parsed, ParseScript(*source_));
  for (StatementPtr& s : parsed.statements) {
    std::shared_ptr<const Statement> stmt(s.release());
    Status st = ExecuteStatement(std::move(stmt), out);
    if (output_) {
      output_(*out);
      out->clear();
    }
    if (!st.ok()) {
      pending_.clear();
      return st;
    }
  }
  Status st = RunPending(out);
  if (output_) {
    output_(*out);
    out->clear();
  }
  return st;
}

Status Session::ExecuteStatement(std::shared_ptr<const Statement> stmt, std::string* out) {
  const std::string& src = *source_;
  switch (stmt->kind) {
    case StatementKind::kCreateTable: return CreateTable(std::move(stmt), out);
    case StatementKind::kCreateView: return CreateView(std::move(stmt), out);
    case StatementKind::kDrop: {
      SLUICE_RETURN_IF_ERROR(catalog_.Drop(stmt->As<DropStatement>(), src));
      *out += "[INFO] Execute statement succeeded.\n";
      return Status::Ok();
    }
    case StatementKind::kShow: {
      const auto& show = stmt->As<ShowStatement>();
      if (show.what == ShowKind::kFunctions) {
        std::vector<std::vector<std::string>> rows;
        for (const CatalogFunction* f : catalog_.Functions()) {
          rows.push_back({f->name, f->class_name, f->impl->description});
        }
        *out += FormatTable({"function name", "class", "description"}, rows);
        return Status::Ok();
      }
      if (show.what != ShowKind::kTables && show.what != ShowKind::kViews) {
        return SyntaxError(src, stmt->pos, "only SHOW TABLES, SHOW VIEWS and SHOW FUNCTIONS are supported yet");
      }
      std::vector<std::vector<std::string>> rows;
      for (const CatalogEntry* e : catalog_.Entries()) {
        if (show.what == ShowKind::kViews && e->kind != CatalogEntry::Kind::kView) continue;
        rows.push_back({e->name});
      }
      *out += FormatTable({show.what == ShowKind::kTables ? "table name" : "view name"}, rows);
      return Status::Ok();
    }
    case StatementKind::kDescribe: return Describe(stmt->As<DescribeStatement>(), out);
    case StatementKind::kSet: {
      const auto& set = stmt->As<SetStatement>();
      if (!set.option) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [k, v] : catalog_.options()) rows.push_back({k, v});
        *out += FormatTable({"key", "value"}, rows);
        return Status::Ok();
      }
      const std::string& key = set.option->key;
      if (key == "parallelism" || key == "parallelism.default") {
        int p = std::atoi(set.option->value.c_str());
        if (p <= 0 || p > 1024) {
          return SyntaxError(src, set.option->pos, fmt::format("'{}' must be a whole number from 1 to 1024", key));
        }
      }
      if (key == "table.local-time-zone") {
        // TIMESTAMP_LTZ values are kept and shown in UTC: another session
        // zone would silently shift nothing, so it is refused.
        const std::string& zone = set.option->value;
        if (zone != "UTC" && zone != "GMT" && zone != "Z" && zone != "Etc/UTC" && zone != "+00:00" &&
            zone != "UTC+00:00" && zone != "GMT+00:00") {
          return SyntaxError(src, set.option->pos,
                             fmt::format("'table.local-time-zone' = '{}' is not supported yet: Sluice evaluates "
                                         "TIMESTAMP_LTZ, CURRENT_TIMESTAMP, CURRENT_DATE and processing-time windows "
                                         "in UTC only",
                                         zone));
        }
      }
      catalog_.Set(key, set.option->value);
      *out += "[INFO] Execute statement succeeded.\n";
      return Status::Ok();
    }
    case StatementKind::kReset: {
      const auto& reset = stmt->As<ResetStatement>();
      if (reset.key) {
        catalog_.Reset(*reset.key);
      } else {
        catalog_.ResetAll();
      }
      *out += "[INFO] Execute statement succeeded.\n";
      return Status::Ok();
    }
    case StatementKind::kExplain: return Explain(stmt->As<ExplainStatement>(), out);
    case StatementKind::kQuery: {
      SLUICE_RETURN_IF_ERROR(RunPending(out));
      return RunSelect(*stmt->As<QueryStatement>().query);
    }
    case StatementKind::kInsert: {
      auto p = std::make_unique<PendingInsert>();
      SLUICE_RETURN_IF_ERROR(PlanInsert(stmt->As<InsertStatement>(), p.get()));
      pending_.push_back(std::move(p));
      return Status::Ok();
    }
    case StatementKind::kStatementSet: {
      for (const auto& ins : stmt->As<StatementSetStatement>().inserts) {
        auto p = std::make_unique<PendingInsert>();
        SLUICE_RETURN_IF_ERROR(PlanInsert(*ins, p.get()));
        pending_.push_back(std::move(p));
      }
      return Status::Ok();
    }
    case StatementKind::kCreateFunction: return CreateFunction(stmt->As<CreateFunctionStatement>(), out);
  }
  return SyntaxError(src, stmt->pos, "statement not supported");
}

Status Session::CreateTable(std::shared_ptr<const Statement> stmt, std::string* out) {
  const std::string& src = *source_;
  const auto& ct = stmt->As<CreateTableStatement>();
  CatalogEntry e;
  e.kind = CatalogEntry::Kind::kTable;
  e.name = LastName(ct.name);
  e.persistence = ct.persistence;
  e.source_text = source_;
  for (const TableOption& o : ct.options) e.options[o.key] = o.value;
  if (ct.options.empty() || !e.options.count("connector")) {
    return SyntaxError(src, ct.name.pos(),
                       fmt::format("table {} needs WITH ('connector' = ...); known connectors: {}", e.name,
                                   fmt::join(registry_->Names(), ", ")));
  }
  PendingInsert ctas;
  if (ct.as_query) {
    Planner planner = MakePlanner();
    SLUICE_ASSIGN_OR_RETURN(PlannedQuery q, planner.PlanQuery(*ct.as_query));
    for (const auto& f : q.scope.schema.fields()) {
      e.columns.push_back(
          CatalogColumn{f.name, f.type, ColumnKind::kPhysical, "", Virtuality::kStored, nullptr, SqlTypeName(f.type)});
    }
  }
  Scope physical;
  for (const ColumnDef& c : ct.columns) {
    for (const CatalogColumn& prev : e.columns) {
      if (prev.name == c.name.name) {
        return SyntaxError(src, c.pos, fmt::format("column {} is declared twice in table {}", c.name.name, e.name));
      }
    }
    CatalogColumn col;
    col.name = c.name.name;
    col.kind = c.column_kind;
    col.virtuality = c.virtuality;
    if (c.column_kind == ColumnKind::kComputed) {
      col.computed = c.expr.get();
    } else {
      SLUICE_ASSIGN_OR_RETURN(col.type, ToEngineType(c.type, src));
      col.type_text = Unparse(c.type);
      if (c.column_kind == ColumnKind::kMetadata) col.metadata_key = c.metadata_key.value_or(col.name);
      physical.Add("", {col.name, col.type});
    }
    e.columns.push_back(std::move(col));
  }
  // Computed columns see the physical and metadata columns.
  for (CatalogColumn& col : e.columns) {
    if (col.kind != ColumnKind::kComputed) continue;
    ExprBinder binder(src, &physical, &catalog_);
    SLUICE_ASSIGN_OR_RETURN(auto typed, binder.BindTyped(*col.computed));
    col.type = typed.second;
    col.type_text = SqlTypeName(col.type);
    // TIMESTAMP_LTZ is kept as a TIMESTAMP(3) in UTC; the columns Flink types
    // as TIMESTAMP_LTZ are still described as such.
    if (col.computed->kind == ExprKind::kFunctionCall) {
      std::string fn = LastName(col.computed->As<FunctionCallExpr>().name);
      for (char& ch : fn) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (fn == "PROCTIME") col.type_text = "TIMESTAMP_LTZ(3) NOT NULL *PROCTIME*";
      if (fn == "TO_TIMESTAMP_LTZ" || fn == "NOW" || fn == "CURRENT_TIMESTAMP") col.type_text = "TIMESTAMP_LTZ(3)";
    }
  }
  if (ct.watermark) {
    const WatermarkDef& w = *ct.watermark;
    std::string name = LastName(w.column);
    const CatalogColumn* found = nullptr;
    for (const CatalogColumn& col : e.columns) {
      if (col.name == name) found = &col;
    }
    if (!found) {
      return SyntaxError(src, w.column.pos(),
                         fmt::format("WATERMARK FOR {}: no column {} in table {}", name, name, e.name));
    }
    if (found->type != engine::DataType::kTimestamp) {
      return SyntaxError(src, w.column.pos(),
                         fmt::format("WATERMARK FOR {}: the column is {}, but event time must be TIMESTAMP(3) or "
                                     "TIMESTAMP_LTZ(3); add a computed column such as ts AS TO_TIMESTAMP_LTZ({}, 3)",
                                     name, found->type_text, name));
    }
    e.rowtime = name;
    e.watermark_expr = w.expr.get();
  }
  if (ct.primary_key) {
    for (const Identifier& id : ct.primary_key->columns) e.primary_key.push_back(id.name);
  }
  for (const Identifier& id : ct.partitioned_by) {
    const CatalogColumn* found = nullptr;
    for (const CatalogColumn& col : e.columns) {
      if (col.name == id.name) found = &col;
    }
    if (found == nullptr || found->kind != ColumnKind::kPhysical) {
      return SyntaxError(src, id.pos,
                         fmt::format("PARTITIONED BY {}: {} in table {}; partition columns must be physical columns "
                                     "of the table",
                                     id.name, found == nullptr ? "no such column" : "not a physical column", e.name));
    }
    if (std::find(e.partition_keys.begin(), e.partition_keys.end(), id.name) != e.partition_keys.end()) {
      return SyntaxError(src, id.pos, fmt::format("PARTITIONED BY names column {} twice", id.name));
    }
    e.partition_keys.push_back(id.name);
  }
  e.statement = stmt;
  std::string name = e.name;
  SourcePos pos = ct.name.pos();
  if (ct.as_query) {
    if (catalog_.Find(name)) {
      return SyntaxError(src, pos, fmt::format("table {} already exists; DROP it first", name));
    }
  }
  SLUICE_RETURN_IF_ERROR(catalog_.Add(std::move(e), ct.existence, pos, src));
  if (ct.as_query) {
    // CREATE TABLE ... AS SELECT: an INSERT of the query into the new table.
    auto p = std::make_unique<PendingInsert>();
    SLUICE_RETURN_IF_ERROR(
        PlanInsert(ct.name, {}, InsertMode::kInto, *ct.as_query, ct.pos, p.get(), SinkCreation::kCreate));
    pending_.push_back(std::move(p));
    return Status::Ok();
  }
  *out += "[INFO] Execute statement succeeded.\n";
  return Status::Ok();
}

Status Session::CreateFunction(const CreateFunctionStatement& cf, std::string* out) {
  const std::string& src = *source_;
  if (cf.language) {
    std::string lang = cf.language->name;
    for (char& c : lang) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (lang != "JAVA" && lang != "SCALA") {
      return SyntaxError(src, cf.language->pos,
                         fmt::format("LANGUAGE {} is not supported: Sluice binds a function's JAVA class name to a "
                                     "C++ implementation registered under that name",
                                     cf.language->name));
    }
  }
  const engine::ScalarFunctionRegistry& registry = engine::ScalarFunctionRegistry::Default();
  const engine::ScalarFunction* impl = registry.Find(cf.class_name);
  if (impl == nullptr) {
    std::vector<std::string> known;
    for (const engine::ScalarFunction* f : registry.Functions()) known.push_back(f->class_name);
    return SyntaxError(src, cf.pos,
                       fmt::format("function class '{}' is not available: Sluice cannot run Java classes, only C++ "
                                   "functions registered under a class name (src/sql/README.md, \"User-defined "
                                   "functions\"); registered: {}",
                                   cf.class_name, known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
  }
  CatalogFunction f;
  f.name = LastName(cf.name);
  f.class_name = cf.class_name;
  f.persistence = cf.persistence;
  f.impl = impl;
  SLUICE_RETURN_IF_ERROR(catalog_.AddFunction(std::move(f), cf.existence, cf.name.pos(), src));
  *out += "[INFO] Execute statement succeeded.\n";
  return Status::Ok();
}

Status Session::CreateView(std::shared_ptr<const Statement> stmt, std::string* out) {
  const auto& cv = stmt->As<CreateViewStatement>();
  CatalogEntry e;
  e.kind = CatalogEntry::Kind::kView;
  e.name = LastName(cv.name);
  e.persistence = cv.persistence;
  e.source_text = source_;
  e.view_query = cv.query.get();
  for (const Identifier& c : cv.columns) e.view_columns.push_back(c.name);
  e.statement = stmt;
  SLUICE_RETURN_IF_ERROR(catalog_.Add(std::move(e), cv.existence, cv.name.pos(), *source_));
  *out += "[INFO] Execute statement succeeded.\n";
  return Status::Ok();
}

Status Session::Describe(const DescribeStatement& d, std::string* out) {
  std::string name = LastName(d.name);
  const CatalogEntry* e = catalog_.Find(name);
  if (!e) return SyntaxError(*source_, d.name.pos(), fmt::format("table or view {} not found", name));
  std::vector<std::vector<std::string>> rows;
  if (e->kind == CatalogEntry::Kind::kView) {
    Planner planner = MakePlanner();
    auto q = planner.PlanQuery(*e->view_query);
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->scope.schema.size(); ++i) {
      std::string n = i < static_cast<int>(e->view_columns.size()) ? e->view_columns[i] : q->scope.schema.field(i).name;
      rows.push_back({n, SqlTypeName(q->scope.schema.field(i).type), "TRUE", "", "", ""});
    }
  } else {
    for (const CatalogColumn& c : e->columns) {
      std::string extras;
      if (c.kind == ColumnKind::kComputed) extras = "AS " + Unparse(*c.computed);
      if (c.kind == ColumnKind::kMetadata) {
        extras = "METADATA FROM '" + c.metadata_key + "'" + (c.virtuality == Virtuality::kVirtual ? " VIRTUAL" : "");
      }
      bool pk = std::find(e->primary_key.begin(), e->primary_key.end(), c.name) != e->primary_key.end();
      std::string type = c.type_text;
      if (c.name == e->rowtime) type += " *ROWTIME*";
      rows.push_back({c.name, type, pk ? "FALSE" : "TRUE", pk ? "PRI(" + c.name + ")" : "", extras,
                      c.name == e->rowtime ? Unparse(*e->watermark_expr) : ""});
    }
  }
  *out += FormatTable({"name", "type", "null", "key", "extras", "watermark"}, rows);
  return Status::Ok();
}

Status Session::PlanInsert(const InsertStatement& insert, PendingInsert* pending, SinkCreation creation) {
  return PlanInsert(insert.table, insert.columns, insert.mode, *insert.query, insert.pos, pending, creation,
                    insert.hints);
}

Status Session::PlanInsert(const QualifiedName& table, const std::vector<Identifier>& columns, InsertMode mode,
                           const Query& query, SourcePos pos, PendingInsert* pending, SinkCreation creation,
                           const std::vector<Hint>& hints) {
  const std::string& src = *source_;
  std::string name = LastName(table);
  const CatalogEntry* target = catalog_.Find(name);
  if (!target) {
    return SyntaxError(src, table.pos(),
                       fmt::format("table {} not found; create the sink table with CREATE TABLE ... WITH "
                                   "('connector' = ...) first",
                                   name));
  }
  if (target->kind == CatalogEntry::Kind::kView) {
    return SyntaxError(src, table.pos(), fmt::format("{} is a view; INSERT INTO needs a table", name));
  }
  if (mode == InsertMode::kOverwrite) return SyntaxError(src, pos, "INSERT OVERWRITE is not supported yet");
  Planner planner = MakePlanner();
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery q, planner.PlanQuery(query));
  engine::TableDescriptor desc = target->Descriptor(CatalogEntry::Use::kSink);
  SLUICE_RETURN_IF_ERROR(ApplyOptionsHints(src, hints, &desc.options));
  // Which sink column each query column feeds.
  std::vector<int> targets;
  if (columns.empty()) {
    for (int i = 0; i < desc.schema.size(); ++i) targets.push_back(i);
  } else {
    for (const Identifier& c : columns) {
      auto idx = desc.schema.IndexOf(c.name);
      if (!idx.ok()) {
        return SyntaxError(src, c.pos, fmt::format("table {} has no writable column {}", name, c.name));
      }
      targets.push_back(*idx);
    }
  }
  if (static_cast<int>(targets.size()) != q.scope.schema.size()) {
    return SyntaxError(src, query.pos,
                       fmt::format("INSERT INTO {} gives {} columns, but the sink has {}: {}; select exactly those "
                                   "columns in that order",
                                   name, q.scope.schema.size(), targets.size(), desc.schema.ToString()));
  }
  std::vector<engine::Projection> proj(desc.schema.size());
  for (int i = 0; i < desc.schema.size(); ++i) {
    proj[i] = {engine::Lit(engine::Value::Null(desc.schema.field(i).type)), desc.schema.field(i).name};
  }
  bool identity = static_cast<int>(targets.size()) == desc.schema.size();
  for (size_t i = 0; i < targets.size(); ++i) {
    engine::DataType from = q.scope.schema.field(static_cast<int>(i)).type;
    engine::DataType to = desc.schema.field(targets[i]).type;
    engine::Expr e = ColRef(static_cast<int>(i), q.scope.schema.field(static_cast<int>(i)).name);
    if (from != to) {
      bool widening =
          (from == engine::DataType::kInt32 && (to == engine::DataType::kInt64 || to == engine::DataType::kDouble)) ||
          (from == engine::DataType::kInt64 && to == engine::DataType::kDouble) || to == engine::DataType::kString;
      if (!widening) {
        return SyntaxError(src, query.pos,
                           fmt::format("INSERT INTO {}: column {} is {}, but the query's column {} ({}) is {}; "
                                       "CAST it explicitly",
                                       name, desc.schema.field(targets[i]).name, SqlTypeName(to), i + 1,
                                       q.scope.schema.field(static_cast<int>(i)).name, SqlTypeName(from)));
      }
      e = engine::Cast(e, to);
      identity = false;
    }
    if (targets[i] != static_cast<int>(i)) identity = false;
    proj[targets[i]].expr = e;
  }
  bool names_match = true;
  for (int i = 0; i < desc.schema.size() && i < q.scope.schema.size(); ++i) {
    if (desc.schema.field(i).name != q.scope.schema.field(i).name) names_match = false;
  }
  if (!identity || !names_match) {
    std::string text;
    for (const auto& p : proj) text += (text.empty() ? "" : ", ") + p.expr.ToString() + " AS " + p.name;
    SLUICE_RETURN_IF_ERROR(Planner::AddCalc(&q, engine::Expr(), proj, std::vector<std::string>(proj.size()),
                                            "Calc(select=[" + text + "])"));
  }
  pending->plan_text = q.Explain(fmt::format("Sink(table=[{}], connector=[{}], fields=[{}])", name,
                                             desc.Option("connector"), desc.schema.ToString()));
  if (creation == SinkCreation::kExplainOnly) return Status::Ok();
  engine::ConnectorContext ctx = ctx_;
  ctx.parallelism = Parallelism();
  auto sink = registry_->CreateSink(desc, ctx);
  if (!sink.ok()) {
    return SyntaxError(src, table.pos(), fmt::format("cannot write table {}: {}", name, sink.status().message()));
  }
  pending->sink = *sink;
  pending->target = name;
  pending->spec = Planner::ToJobSpec(q, pending->sink.get());
  SLUICE_RETURN_IF_ERROR(planner.AttachSideOutputs(&pending->spec, &pending->side_sinks));
  return Status::Ok();
}

Status Session::Explain(const ExplainStatement& e, std::string* out) {
  const Statement& inner = *e.statement;
  if (inner.kind == StatementKind::kQuery) {
    Planner planner = MakePlanner();
    SLUICE_ASSIGN_OR_RETURN(PlannedQuery q, planner.PlanQuery(*inner.As<QueryStatement>().query));
    *out += q.Explain("Sink(table=[*result*])");
    return Status::Ok();
  }
  if (inner.kind == StatementKind::kInsert) {
    PendingInsert p;
    SLUICE_RETURN_IF_ERROR(PlanInsert(inner.As<InsertStatement>(), &p, SinkCreation::kExplainOnly));
    *out += p.plan_text;
    return Status::Ok();
  }
  return SyntaxError(*source_, inner.pos, "EXPLAIN supports SELECT and INSERT INTO statements");
}

Status Session::RunSelect(const Query& query) {
  Planner planner = MakePlanner();
  SLUICE_ASSIGN_OR_RETURN(PlannedQuery q, planner.PlanQuery(query));
  if (!select_sink_) {
    return SyntaxError(*source_, query.pos,
                       "a bare SELECT has nowhere to print here; use INSERT INTO a table (sluice sql prints SELECT "
                       "results)");
  }
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<engine::Sink> sink, select_sink_(q.scope.schema, q.changelog));
  engine::JobSpec spec = Planner::ToJobSpec(q, sink.get());
  std::vector<std::shared_ptr<engine::Sink>> side_sinks;  // must outlive the job
  SLUICE_RETURN_IF_ERROR(planner.AttachSideOutputs(&spec, &side_sinks));
  return RunJob(std::move(spec), "select", /*checkpointed=*/false, q.limit_reached);
}

Status Session::RunPending(std::string* out) {
  if (pending_.empty()) return Status::Ok();
  std::vector<std::unique_ptr<PendingInsert>> batch = std::move(pending_);
  pending_.clear();
  // Several INSERTs run as one job: one dataflow per INSERT, side by side.
  engine::JobSpec job;
  std::string targets;
  for (auto& p : batch) {
    job.Append(p->spec);
    targets += (targets.empty() ? "" : ", ") + p->target;
  }
  std::string job_name = catalog_.Get("pipeline.name", "insert-into_" + targets);
  SLUICE_LOG_INFO("sql", "job '{}': {} INSERT(s), {} stage(s), parallelism {}", job_name, batch.size(),
                  job.stages.size(), Parallelism());
  SLUICE_RETURN_IF_ERROR(RunJob(std::move(job), job_name, /*checkpointed=*/true));
  *out += fmt::format("[INFO] Job '{}' finished: wrote {}.\n", job_name, targets);
  return Status::Ok();
}

Status Session::RunJob(engine::JobSpec spec, const std::string& job_name, bool checkpointed,
                       const std::shared_ptr<LimitReached>& limit) {
  engine::JobConfig config;
  config.workers = Parallelism();
  config.job_name = job_name;
  config.clock = clock_;
  SLUICE_ASSIGN_OR_RETURN(config.state, StateBackendOf(catalog_));
  SLUICE_ASSIGN_OR_RETURN(int64_t interval, ParseDurationMs("execution.checkpointing.interval",
                                                            catalog_.Get("execution.checkpointing.interval", "0")));
  if (checkpointed && interval > 0) {
    // Checkpoints live under the data dir, per job name: the same script
    // run again over the same data dir resumes where it stopped.
    std::filesystem::path dir = catalog_.Get("execution.checkpointing.dir", "");
    if (dir.empty()) {
      if (ctx_.data_dir.empty()) {
        return Status::InvalidArgument(
            "'execution.checkpointing.interval' is set but there is nowhere to keep checkpoints: run with --data-dir "
            "or SET 'execution.checkpointing.dir'");
      }
      std::string safe = job_name;
      for (char& c : safe) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
      }
      dir = ctx_.data_dir / "checkpoints" / safe;
    }
    config.checkpoint_interval_ms = interval;
    config.checkpoint_dir = dir;
    const std::string retained = catalog_.Get("state.checkpoints.num-retained", "3");
    config.checkpoints_retained = std::max(1, std::atoi(retained.c_str()));
  }
  SLUICE_ASSIGN_OR_RETURN(auto job, engine::Job::Create(std::move(spec), config));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return Status::Cancelled("cancelled before the job started");
    running_.push_back(job.get());
  }
  if (job_observer_) job_observer_(job.get());
  // A bare SELECT with LIMIT n is done once its n rows are out, even over an
  // unbounded source.
  if (limit) limit->then = [j = job.get()] { j->Cancel(); };
  Status result = job->Run();
  if (limit && limit->reached.load() && result.code() == StatusCode::kCancelled) result = Status::Ok();
  if (job_observer_) job_observer_(nullptr);
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.clear();
  }
  return result;
}

}  // namespace sluice::sql
