// lib/schedule: what a schedule needs of the record that every worker shares
// (the results file; lib/store implements this). A schedule decides which
// trial a worker takes; the board makes the taking atomic across workers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "grid/outcome.hpp"

namespace trawl {

// Every trial's status and lease expiry (Unix seconds; NaN: never leased),
// and, asked one trial at a time, who holds a running trial. With pruning,
// also each trial's rung (rungs passed; for a paused or pruned trial, the rung
// it waits or was cut at) and a metric's value at a step of its curve (NaN:
// no eval point there).
struct BoardRows {
  std::vector<TrialStatus> status;
  std::vector<double> lease;
  std::function<std::string(TrialId)> owner;  // none: unknown
  std::vector<std::int64_t> rung;             // empty: no pruning
  std::function<double(TrialId, const std::string& metric, std::int64_t step)> metric_at;
};

// Successive halving's verdict on a paused trial at a rung, with the event
// message that explains it.
struct RungDecision {
  TrialId trial = 0;
  std::int64_t rung = 0;
  bool promoted = false;
  std::string message;
};

// A schedule's answer: a trial to run, or none with how long until one may
// be free (0: none will be, this worker is finished). The trial comes with
// the rungs it has passed, and any decisions taken on the way.
struct Claim {
  std::optional<TrialId> trial;
  double wait = 0;
  std::int64_t rung = 0;
  std::vector<RungDecision> decisions;
};

class TrialBoard {
 public:
  virtual ~TrialBoard() = default;

  // Under one exclusive lock over every worker's claims: `pick` chooses from
  // the rows as they are at `now`; its decisions are recorded, and the trial
  // it names is recorded running for `owner`, leased until now +
  // lease_seconds, before the lock is released. With `with_rungs` the rows
  // carry rung and metric_at.
  using Pick = std::function<Claim(const BoardRows& rows, double now)>;
  virtual Claim claim(const Pick& pick, const std::string& owner, double lease_seconds, bool with_rungs = false) = 0;
  // Extends `owner`'s lease on `trial`; false when the trial is no longer its.
  virtual bool renew(TrialId trial, const std::string& owner, double lease_seconds) = 0;
};

}  // namespace trawl
