// lib/schedule: synchronous successive halving on the grid (prune.rule =
// "halving"). Trials train to a rung, are checkpointed and wait (`paused`);
// once every trial of a cohort (the trials sharing prune.group_by's values)
// has reached the rung or ended, the best ceil(n / reduction) at the rung go
// on and the rest are pruned. Every decision is a function of what the
// results file holds, never of which trial reported first, so any number of
// workers, kills and requeues reach the same decisions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "schedule/trial_board.hpp"
#include "spec/metrics.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

class Halving {
 public:
  Halving(const SweepSpec& spec, const Grid& grid);

  // Every decision the rows allow now, applied to `rows` as well (promoted:
  // pending and past the rung; pruned) so a claim can follow at once.
  std::vector<RungDecision> decide(BoardRows& rows) const;

  // The step of rung k (the same for every trial): min_steps * reduction^k.
  std::int64_t rung_step(std::int64_t rung) const;
  // How many rungs a trial of the grid has (those below its train.steps).
  std::int64_t rungs_of(TrialId trial) const;
  std::int64_t cohort_of(TrialId trial) const { return cohort_[static_cast<std::size_t>(trial)]; }
  const std::string& cohort_label(std::int64_t cohort) const { return labels_[static_cast<std::size_t>(cohort)]; }

 private:
  // A cohort's decisions at rung k; false while a trial may still reach it.
  bool decide_rung(const std::vector<TrialId>& members, std::int64_t k, BoardRows& rows,
                   std::vector<RungDecision>& out) const;

  std::string metric_;
  Goal goal_;
  std::int64_t min_steps_, reduction_;
  std::vector<std::int64_t> cohort_;            // by trial
  std::vector<std::vector<TrialId>> members_;   // by cohort, ascending ids
  std::vector<std::string> labels_;             // by cohort: "model.hidden=64", or "all trials"
  std::vector<std::int64_t> rung_count_;        // by trial
};

}  // namespace trawl
