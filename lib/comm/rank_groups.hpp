// lib/comm: ranks split into groups of ranks_per_trial. Ranks of one node
// form groups together (split by shared memory first, then by W), so a
// group never spans nodes.
#pragma once

#include "comm/mpi.hpp"

namespace trawl {

struct RankGroups {
  Communicator node;   // the ranks on this node
  Communicator group;  // this rank's group of ranks_per_trial ranks
  int group_index = 0;  // 0..group_count-1 across the whole job
  int group_count = 1;
  bool leader() const { return group.rank() == 0; }
};

// Throws InputError when a node's rank count is not a multiple of W.
RankGroups make_rank_groups(const Communicator& world, int ranks_per_trial);

}  // namespace trawl
