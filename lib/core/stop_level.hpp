// lib/core: how urgently a run has been asked to stop. lib/slurm raises it
// (signals, deadlines); lib/train and lib/sweep act on it, agreed by a group.
#pragma once

namespace trawl {

// Ordered by urgency: a group acts on the largest any of its ranks holds
// (an MPI_MAX all-reduce).
enum class StopLevel : int {
  none = 0,
  graceful = 1,   // checkpoint the running trial, record it, exit 3
  immediate = 2,  // record and exit 3 at once, no new checkpoint
  abandon = 3,    // the running trial is another worker's now: touch nothing of it
};

}  // namespace trawl
