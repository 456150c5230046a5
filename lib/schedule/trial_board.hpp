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
// and, asked one trial at a time, who holds a running trial.
struct BoardRows {
  std::vector<TrialStatus> status;
  std::vector<double> lease;
  std::function<std::string(TrialId)> owner;  // none: unknown
};

// A schedule's answer: a trial to run, or none with how long until one may
// be free (0: none will be, this worker is finished).
struct Claim {
  std::optional<TrialId> trial;
  double wait = 0;
};

class TrialBoard {
 public:
  virtual ~TrialBoard() = default;

  // Under one exclusive lock over every worker's claims: `pick` chooses from
  // the rows as they are at `now`; the trial it names is recorded running for
  // `owner`, leased until now + lease_seconds, before the lock is released.
  using Pick = std::function<Claim(const BoardRows& rows, double now)>;
  virtual Claim claim(const Pick& pick, const std::string& owner, double lease_seconds) = 0;
  // Extends `owner`'s lease on `trial`; false when the trial is no longer its.
  virtual bool renew(TrialId trial, const std::string& owner, double lease_seconds) = 0;
};

}  // namespace trawl
