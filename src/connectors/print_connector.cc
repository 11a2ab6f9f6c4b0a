#include "connectors/print_connector.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "connectors/format/json_row_format.h"
#include "engine/expression.h"

namespace sluice::connectors {
namespace {

using engine::Batch;
using engine::DataType;

class PrintSink : public engine::Sink {
 public:
  explicit PrintSink(std::string prefix) : prefix_(std::move(prefix)) {}
  Status Write(const Batch& batch) override {
    thread_local std::string buf;
    buf.clear();
    for (int k = 0; k < batch.active_rows(); ++k) {
      buf.append(prefix_);
      AppendRowText(batch, batch.active_row(k), &buf);
      buf.push_back('\n');
    }
    std::lock_guard lock(mu_);
    std::fwrite(buf.data(), 1, buf.size(), stdout);
    return Status::Ok();
  }
  Status Finish() override {
    std::lock_guard lock(mu_);
    std::fflush(stdout);
    return Status::Ok();
  }

 private:
  std::string prefix_;
  std::mutex mu_;
};

class BlackholeSink : public engine::Sink {
 public:
  Status Write(const Batch& batch) override {
    rows_.fetch_add(batch.active_rows(), std::memory_order_relaxed);
    return Status::Ok();
  }

 private:
  std::atomic<int64_t> rows_{0};
};

Status NotASource(const engine::TableDescriptor& table, const char* connector) {
  return Status::Unsupported(
      fmt::format("table {}: the '{}' connector is a sink only; it cannot be read from", table.name, connector));
}

class PrintConnector : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "print"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& t,
                                                       const engine::ConnectorContext&) override {
    return NotASource(t, "print");
  }
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor& t,
                                                   const engine::ConnectorContext&) override {
    std::string id = t.Option("print-identifier");
    return std::shared_ptr<engine::Sink>(std::make_shared<PrintSink>(id.empty() ? "" : id + "> "));
  }
};

class BlackholeConnector : public engine::ConnectorFactory {
 public:
  std::string name() const override { return "blackhole"; }
  Result<std::shared_ptr<engine::Source>> CreateSource(const engine::TableDescriptor& t,
                                                       const engine::ConnectorContext&) override {
    return NotASource(t, "blackhole");
  }
  Result<std::shared_ptr<engine::Sink>> CreateSink(const engine::TableDescriptor&,
                                                   const engine::ConnectorContext&) override {
    return std::shared_ptr<engine::Sink>(std::make_shared<BlackholeSink>());
  }
};

}  // namespace

void AppendRowText(const Batch& batch, int row, std::string* out) {
  out->append(engine::RowKindName(batch.row_kind(row)));
  out->push_back('[');
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (c > 0) out->append(", ");
    const auto& col = batch.column(c);
    if (col.IsNull(row)) {
      out->append("null");
      continue;
    }
    switch (col.type()) {
      case DataType::kInt64: fmt::format_to(std::back_inserter(*out), "{}", col.data<int64_t>()[row]); break;
      case DataType::kInt32: fmt::format_to(std::back_inserter(*out), "{}", col.data<int32_t>()[row]); break;
      case DataType::kDouble: fmt::format_to(std::back_inserter(*out), "{}", col.data<double>()[row]); break;
      case DataType::kBool: out->append(col.data<uint8_t>()[row] ? "true" : "false"); break;
      case DataType::kString: out->append(col.GetString(row)); break;
      case DataType::kTimestamp: AppendTimestamp(col.data<int64_t>()[row], out); break;
      case DataType::kDate: engine::AppendDate(col.data<int32_t>()[row], out); break;
    }
  }
  out->push_back(']');
}

std::shared_ptr<engine::ConnectorFactory> NewPrintConnector() { return std::make_shared<PrintConnector>(); }
std::shared_ptr<engine::ConnectorFactory> NewBlackholeConnector() { return std::make_shared<BlackholeConnector>(); }

}  // namespace sluice::connectors
