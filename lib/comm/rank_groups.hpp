// lib/comm: ranks split into groups of ranks_per_trial (W). Where every
// node's rank count is a multiple of W, ranks of one node form groups
// together (split by shared memory first, then by W), so a group never spans
// nodes; otherwise (a task of one rank on each of two nodes, W = 2)
// consecutive world ranks form a group across nodes.
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

// Throws InputError when W divides neither every node's rank count nor the
// world's.
RankGroups make_rank_groups(const Communicator& world, int ranks_per_trial);

}  // namespace trawl
