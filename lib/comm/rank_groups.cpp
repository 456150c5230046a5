#include "comm/rank_groups.hpp"

namespace trawl {

RankGroups make_rank_groups(const Communicator& world, int ranks_per_trial) {
  Communicator node = world.split_shared_memory();
  const int local = node.size();
  // Every rank must agree on the error, or some would wait forever.
  std::int64_t bad_nodes = world.sum(node.rank() == 0 && local % ranks_per_trial != 0 ? 1 : 0);
  if (bad_nodes > 0)
    throw InputError("sweep.ranks_per_trial = " + std::to_string(ranks_per_trial) + " does not divide the " +
                     std::to_string(local) + " ranks on node of world rank " + std::to_string(world.rank()) +
                     " (" + std::to_string(world.size()) +
                     " ranks in all); a group must fit on one node: start a multiple of it per node");
  Communicator group = node.split(node.rank() / ranks_per_trial, node.rank());
  const bool leader = group.rank() == 0;
  std::int64_t index = world.exclusive_prefix_sum(leader ? 1 : 0);
  std::int64_t count = world.sum(leader ? 1 : 0);
  int group_index = static_cast<int>(index);
  group.broadcast(&group_index, 1, MPI_INT, 0);
  return RankGroups{std::move(node), std::move(group), group_index, static_cast<int>(count)};
}

}  // namespace trawl
