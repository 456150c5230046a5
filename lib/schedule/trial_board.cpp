#include "schedule/trial_board.hpp"

#include <algorithm>

namespace trawl {

BoardRows::BoardRows(std::vector<TrialStatus> status, std::vector<double> lease)
    : size_(static_cast<std::int64_t>(status.size())) {
  read_ = [status = std::move(status), lease = std::move(lease)](TrialId first, std::int64_t count,
                                                                  std::vector<TrialStatus>& s, std::vector<double>& l) {
    s.assign(status.begin() + first, status.begin() + first + count);
    l.assign(lease.begin() + first, lease.begin() + first + count);
  };
}

BoardRows::Block& BoardRows::block(TrialId trial) const {
  const std::int64_t index = trial / block_rows;
  auto it = blocks_.find(index);
  if (it != blocks_.end()) return it->second;
  Block block;
  const TrialId first = index * block_rows;
  read_(first, std::min(block_rows, size_ - first), block.status, block.lease);
  return blocks_.emplace(index, std::move(block)).first->second;
}

}  // namespace trawl
