// lib/schedule: which trial a worker (one rank group) runs next. Only the
// group's leader asks; the Worker (lib/sweep) agrees the answer with the
// group before anyone acts on it.
//   static:  worker w of W owns trials w, w+W, ... and runs those not yet
//            recorded, each taken under the results file's lock with a
//            lease, so a second run of the same sweep never trains a trial
//            twice at once.
//   dynamic: the next pending trial (or one whose worker's lease expired) is
//            claimed under the results file's lock; leases are renewed while
//            training, and a worker whose lease lapsed gives the trial up.
//            With successive halving, every claim first takes the rung
//            decisions the recorded results allow (halving.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "schedule/halving.hpp"
#include "schedule/lease_watch.hpp"
#include "schedule/owner.hpp"
#include "schedule/static_partition.hpp"
#include "schedule/trial_board.hpp"

namespace trawl {

struct Assignment : Claim {
  std::int64_t position = 0;  // 1-based, among this worker's trials
  std::int64_t count = 0;     // this worker's trials, 0 when not known ahead
  const char* taken = "";     // the event recording it: "started" or "claimed"
};

class Schedule {
 public:
  virtual ~Schedule() = default;
  // The next trial, already recorded as this worker's on the board.
  virtual Assignment next() = 0;
  // Called at step boundaries while `trial` trains; false once it is no
  // longer this worker's (its lease went to another worker).
  virtual bool still_ours(TrialId trial) { return true; }
  // Trials passed over because they were recorded before (done, failed, ...).
  virtual std::int64_t skipped() const { return 0; }
  // "12 of 40 trials", "claims trials as it goes"
  virtual std::string describe() const = 0;
};

struct ScheduleOptions {
  std::string kind;       // sweep.schedule: static or dynamic
  std::string owner;      // this worker, as recorded in /trials/owner
  double lease_seconds = 0;
  bool retry_failed = false;  // failed and diverged trials run again
  std::shared_ptr<const Halving> halving;  // prune.rule = "halving" (dynamic only)
  std::function<double()> monotonic_clock;  // judges other workers' leases (none: steady_clock)
};

std::unique_ptr<Schedule> make_schedule(const ScheduleOptions& options, TrialBoard& board, std::int64_t trials,
                                        WorkerId worker);

// Whether a worker may take a trial now: `yes` when it is pending, running
// under a lease that lapsed (as `leases` judges it, on this process's clock)
// or held by a process known dead (holder_known_dead: a run killed and
// started again on this host), or, with retry_failed, failed or diverged;
// `wait` while another live worker holds it; `no` once it is recorded.
enum class Take { yes, wait, no };
Take can_take(const BoardRows& rows, TrialId trial, LeaseWatch& leases, bool retry_failed);

// The dynamic schedule's choice: the first trial it can take; else the wait
// until the first running trial's lease lapses (0: none is running).
Claim first_claimable(const BoardRows& rows, LeaseWatch& leases, bool retry_failed);

// The dynamic schedule's choice without pruning, starting at rows.cursor:
// a held trial whose lease lapsed, else the first takeable trial past the
// cursor; claim.cursor is the new place. Amortised O(1) per claim; only a
// worker about to finish looks at every trial once.
Claim claim_from_cursor(const BoardRows& rows, LeaseWatch& leases);

}  // namespace trawl
