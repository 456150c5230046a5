#include "grid/outcome.hpp"

namespace trawl {

const std::vector<std::string>& trial_status_names() {
  static const std::vector<std::string> names{"pending", "running", "done", "failed", "diverged", "pruned", "paused"};
  return names;
}

const std::string& to_string(TrialStatus status) {
  return trial_status_names().at(static_cast<std::size_t>(status));
}

}  // namespace trawl
