#include "engine/connector_registry.h"

#include <fmt/format.h>

namespace sluice::engine {

std::string TableDescriptor::Option(std::string_view key, std::string_view fallback) const {
  auto it = options.find(std::string(key));
  return it == options.end() ? std::string(fallback) : it->second;
}

Result<std::string> TableDescriptor::RequiredOption(std::string_view key) const {
  auto it = options.find(std::string(key));
  if (it == options.end() || it->second.empty()) {
    return Status::InvalidArgument(fmt::format("table {}: option '{}' is required in WITH (...)", name, key));
  }
  return it->second;
}

void ConnectorRegistry::Register(std::shared_ptr<ConnectorFactory> factory) {
  std::lock_guard lock(mu_);
  std::string n = factory->name();
  factories_[n] = std::move(factory);
}

Result<ConnectorFactory*> ConnectorRegistry::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = factories_.find(name);
  if (it != factories_.end()) return it->second.get();
  std::string known;
  for (const auto& [n, f] : factories_) known += (known.empty() ? "'" : ", '") + n + "'";
  return Status::NotFound(fmt::format("unknown connector '{}'; available: {}", name, known.empty() ? "none" : known));
}

std::vector<std::string> ConnectorRegistry::Names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

Result<std::shared_ptr<Source>> ConnectorRegistry::CreateSource(const TableDescriptor& table,
                                                                const ConnectorContext& ctx) const {
  SLUICE_ASSIGN_OR_RETURN(std::string name, table.RequiredOption("connector"));
  SLUICE_ASSIGN_OR_RETURN(ConnectorFactory * f, Find(name));
  auto r = f->CreateSource(table, ctx);
  if (!r.ok()) return r.status().WithContext("table " + table.name);
  return r;
}

Result<std::shared_ptr<Sink>> ConnectorRegistry::CreateSink(const TableDescriptor& table,
                                                            const ConnectorContext& ctx) const {
  SLUICE_ASSIGN_OR_RETURN(std::string name, table.RequiredOption("connector"));
  SLUICE_ASSIGN_OR_RETURN(ConnectorFactory * f, Find(name));
  auto r = f->CreateSink(table, ctx);
  if (!r.ok()) return r.status().WithContext("table " + table.name);
  return r;
}

}  // namespace sluice::engine
