#include "grid/outcome.hpp"

#include <stdexcept>

namespace trawl {

const std::vector<std::string>& trial_status_names() {
  static const std::vector<std::string> names{"pending", "running", "done", "failed", "diverged", "pruned", "paused"};
  return names;
}

const std::string& to_string(TrialStatus status) {
  return trial_status_names().at(static_cast<std::size_t>(status));
}

TrialStatus trial_status_named(const std::string& name) {
  const auto& names = trial_status_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<TrialStatus>(i);
  throw std::invalid_argument("'" + name + "' is not a trial status");
}

}  // namespace trawl
