// lib/schedule: what a schedule needs of the record that every worker shares
// (the results file; lib/store implements this). A schedule decides which
// trial a worker takes; the board makes the taking atomic across workers.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "grid/outcome.hpp"

namespace trawl {

// Where the dynamic schedule is in the grid, kept in the shared record so a
// claim does not read the grid from its start: every trial below `next` has
// been taken or was recorded, and those of them that may still be running
// (their worker may die, their lease lapse) are in `held`, ascending. A trial
// that becomes pending again below `next` (an interrupted one) lowers it.
struct ClaimCursor {
  std::int64_t next = 0;
  std::vector<TrialId> held;
  bool operator==(const ClaimCursor& other) const { return next == other.next && held == other.held; }
};

// Every trial's status and lease expiry (Unix seconds; NaN: never leased), as
// a schedule asks for them: rows are read a block at a time, so a claim that
// looks at a few trials reads a few blocks, not the whole grid. Asked one
// trial at a time: who holds a running trial. With pruning, also each trial's
// rung (rungs passed; for a paused or pruned trial, the rung it waits or was
// cut at) and a metric's value at a step of its curve (NaN: no eval point).
class BoardRows {
 public:
  // Reads `count` rows from `first` into `status` and `lease`.
  using ReadBlock =
      std::function<void(TrialId first, std::int64_t count, std::vector<TrialStatus>& status, std::vector<double>& lease)>;
  BoardRows(std::int64_t size, ReadBlock read) : size_(size), read_(std::move(read)) {}
  // Rows held in memory.
  BoardRows(std::vector<TrialStatus> status, std::vector<double> lease);

  std::int64_t size() const { return size_; }
  TrialStatus status(TrialId trial) const { return block(trial).status[offset(trial)]; }
  double lease(TrialId trial) const { return block(trial).lease[offset(trial)]; }
  // A decision taken under this claim, seen by what the claim reads next.
  void set_status(TrialId trial, TrialStatus status) { block(trial).status[offset(trial)] = status; }

  std::function<std::string(TrialId)> owner;  // none: unknown
  std::vector<std::int64_t> rung;             // empty: no pruning
  std::function<double(TrialId, const std::string& metric, std::int64_t step)> metric_at;
  ClaimCursor cursor;

 private:
  static constexpr std::int64_t block_rows = 4096;  // the results file's column chunk
  struct Block {
    std::vector<TrialStatus> status;
    std::vector<double> lease;
  };
  Block& block(TrialId trial) const;
  static std::size_t offset(TrialId trial) { return static_cast<std::size_t>(trial % block_rows); }

  std::int64_t size_ = 0;
  ReadBlock read_;
  mutable std::map<std::int64_t, Block> blocks_;
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
  std::optional<ClaimCursor> cursor;  // the dynamic schedule's new place, to keep
};

class TrialBoard {
 public:
  virtual ~TrialBoard() = default;

  // Under one exclusive lock over every worker's claims: `pick` chooses from
  // the rows as they are now (judging leases on its own clock: a lease's
  // value is the holder's wall clock, no other's); its decisions are
  // recorded, and the trial it names is recorded running for `owner`, leased
  // until the board's now + lease_seconds, before the lock is released. With
  // `with_rungs` the rows carry rung and metric_at.
  using Pick = std::function<Claim(const BoardRows& rows)>;
  virtual Claim claim(const Pick& pick, const std::string& owner, double lease_seconds, bool with_rungs = false) = 0;
  // Extends `owner`'s lease on `trial`; false when the trial is no longer its.
  virtual bool renew(TrialId trial, const std::string& owner, double lease_seconds) = 0;
};

}  // namespace trawl
