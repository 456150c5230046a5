#include "comm/rank_groups.hpp"

namespace trawl {

RankGroups make_rank_groups(const Communicator& world, int ranks_per_trial) {
  Communicator node = world.split_shared_memory();
  const int local = node.size();
  // Every rank must agree on the layout (and on an error), or some would wait forever.
  const bool groups_fit_nodes = world.sum(node.rank() == 0 && local % ranks_per_trial != 0 ? 1 : 0) == 0;
  if (!groups_fit_nodes && world.size() % ranks_per_trial != 0)
    throw InputError("sweep.ranks_per_trial = " + std::to_string(ranks_per_trial) + " divides neither the " +
                     std::to_string(world.size()) + " ranks in all nor the " + std::to_string(local) +
                     " ranks on the node of world rank " + std::to_string(world.rank()) +
                     ": start a multiple of it per node, or per task");
  // Within a node where every node's ranks split evenly (shared memory, no
  // network in a group); else consecutive ranks, which Slurm's block
  // distribution puts on as few nodes as it can (a group spans hosts).
  Communicator group = groups_fit_nodes ? node.split(node.rank() / ranks_per_trial, node.rank())
                                        : world.split(world.rank() / ranks_per_trial, world.rank());
  const bool leader = group.rank() == 0;
  std::int64_t index = world.exclusive_prefix_sum(leader ? 1 : 0);
  std::int64_t count = world.sum(leader ? 1 : 0);
  int group_index = static_cast<int>(index);
  group.broadcast(&group_index, 1, MPI_INT, 0);
  return RankGroups{std::move(node), std::move(group), group_index, static_cast<int>(count)};
}

}  // namespace trawl
