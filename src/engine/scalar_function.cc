#include "engine/scalar_function.h"

#include <fmt/format.h>

#include "common/logging.h"

namespace sluice::engine {

ScalarFunctionRegistry& ScalarFunctionRegistry::Default() {
  static ScalarFunctionRegistry* registry = [] {
    auto* r = new ScalarFunctionRegistry();
    Status s = RegisterBundledFunctions(r);
    if (!s.ok()) SLUICE_LOG_ERROR("engine", "bundled scalar functions: {}", s.ToString());
    return r;
  }();
  return *registry;
}

Status ScalarFunctionRegistry::Register(ScalarFunction function) {
  if (function.class_name.empty() || function.kernel == nullptr) {
    return Status::InvalidArgument("a scalar function needs a class name and a kernel");
  }
  if (function.arg_types.size() > kMaxArgs) {
    return Status::InvalidArgument(fmt::format("scalar function {} has {} arguments; at most {} are supported",
                                               function.class_name, function.arg_types.size(), kMaxArgs));
  }
  std::lock_guard lock(mu_);
  if (functions_.count(function.class_name)) {
    return Status::InvalidArgument(fmt::format("scalar function class {} is already registered", function.class_name));
  }
  std::string key = function.class_name;
  functions_.emplace(std::move(key), std::make_unique<ScalarFunction>(std::move(function)));
  return Status::Ok();
}

const ScalarFunction* ScalarFunctionRegistry::Find(std::string_view class_name) const {
  std::lock_guard lock(mu_);
  auto it = functions_.find(class_name);
  return it == functions_.end() ? nullptr : it->second.get();
}

std::vector<const ScalarFunction*> ScalarFunctionRegistry::Functions() const {
  std::lock_guard lock(mu_);
  std::vector<const ScalarFunction*> out;
  for (const auto& [name, f] : functions_) out.push_back(f.get());
  return out;
}

}  // namespace sluice::engine
