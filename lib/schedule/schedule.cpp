#include "schedule/schedule.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace trawl {

namespace {

// A claim's wait is until the soonest lease of the trials it waits for ends
// (never 0, which would say that no trial will be free).
void wait_for_lease(Claim& claim, const BoardRows& rows, TrialId trial, LeaseWatch& leases) {
  const double left = std::max(leases.left(trial, rows.lease(trial)), 1e-3);
  claim.wait = claim.wait == 0 ? left : std::min(claim.wait, left);
}

// Renews the lease on the trial being trained every third of the lease, and
// remembers once a renewal failed (the trial went to another worker).
class LeaseKeeper {
 public:
  void taken() {
    last_renewal_ = std::chrono::steady_clock::now();
    held_ = true;
  }
  bool still_ours(TrialBoard& board, TrialId trial, const ScheduleOptions& options) {
    const auto now = std::chrono::steady_clock::now();
    if (held_ && std::chrono::duration<double>(now - last_renewal_).count() >= options.lease_seconds / 3) {
      held_ = board.renew(trial, options.owner, options.lease_seconds);
      last_renewal_ = now;
    }
    return held_;
  }

 private:
  bool held_ = false;
  std::chrono::steady_clock::time_point last_renewal_{};
};

class StaticSchedule : public Schedule {
 public:
  StaticSchedule(const ScheduleOptions& options, TrialBoard& board, std::int64_t trials, WorkerId worker)
      : options_(options), board_(board), trials_(trials), mine_(trials, worker),
        leases_(options.lease_seconds, options.monotonic_clock) {}

  Assignment next() override {
    Assignment a;
    static_cast<Claim&>(a) = board_.claim([this](const BoardRows& rows) { return pick(rows); },
                                          options_.owner, options_.lease_seconds);
    if (a.trial) {
      a.position = taken_position_;
      a.count = mine_.size();
      a.taken = "started";
      lease_.taken();
    }
    return a;
  }

  bool still_ours(TrialId trial) override { return lease_.still_ours(board_, trial, options_); }
  std::int64_t skipped() const override { return skipped_; }
  std::string describe() const override {
    return std::to_string(mine_.size()) + " of " + std::to_string(trials_) + " trials";
  }

 private:
  // Under the board's lock: trials held by a live worker wait their turn
  // (their positions are kept); recorded ones are passed over for good.
  Claim pick(const BoardRows& rows) {
    Claim claim;
    auto decide = [&](std::int64_t k) {
      const Take take = can_take(rows, mine_[k], leases_, options_.retry_failed);
      if (take == Take::no) ++skipped_;
      if (take == Take::yes) {
        claim.trial = mine_[k];
        taken_position_ = k + 1;
      }
      if (take == Take::wait) wait_for_lease(claim, rows, mine_[k], leases_);
      return take;
    };
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      const Take take = decide(*it);
      if (take == Take::wait) {
        ++it;
        continue;
      }
      it = waiting_.erase(it);
      if (take == Take::yes) return claim;
    }
    for (; cursor_ < mine_.size(); ++cursor_) {
      const Take take = decide(cursor_);
      if (take == Take::wait) waiting_.push_back(cursor_);
      if (take == Take::yes) {
        ++cursor_;
        return claim;
      }
    }
    return claim;
  }

  ScheduleOptions options_;
  TrialBoard& board_;
  std::int64_t trials_;
  StaticPartition mine_;
  std::int64_t cursor_ = 0, skipped_ = 0, taken_position_ = 0;
  std::vector<std::int64_t> waiting_;  // positions held by live workers when last seen
  LeaseKeeper lease_;
  LeaseWatch leases_;
};

class DynamicSchedule : public Schedule {
 public:
  DynamicSchedule(const ScheduleOptions& options, TrialBoard& board)
      : options_(options), board_(board), leases_(options.lease_seconds, options.monotonic_clock) {}

  Assignment next() override {
    Assignment a;
    static_cast<Claim&>(a) = board_.claim([this](const BoardRows& rows) { return pick(rows); },
                                          options_.owner, options_.lease_seconds, options_.halving != nullptr);
    if (a.trial) {
      a.position = ++claimed_;
      a.taken = "claimed";
      lease_.taken();
    }
    return a;
  }

  bool still_ours(TrialId trial) override { return lease_.still_ours(board_, trial, options_); }

  std::string describe() const override {
    return options_.halving ? "claims trials as it goes, successive halving" : "claims trials as it goes";
  }

 private:
  // Without pruning, a claim starts at the cursor: its cost does not grow
  // with the grid. Retrying failed trials and deciding rungs look at every
  // trial, as both must.
  Claim pick(const BoardRows& rows) {
    if (!options_.halving && !options_.retry_failed) return claim_from_cursor(rows, leases_);
    if (!options_.halving) return first_claimable(rows, leases_, options_.retry_failed);
    BoardRows decided = rows;
    std::vector<RungDecision> decisions = options_.halving->decide(decided);
    Claim claim = first_claimable(decided, leases_, options_.retry_failed);
    if (claim.trial) claim.rung = decided.rung[static_cast<std::size_t>(*claim.trial)];
    claim.decisions = std::move(decisions);
    return claim;
  }

  ScheduleOptions options_;
  TrialBoard& board_;
  std::int64_t claimed_ = 0;
  LeaseKeeper lease_;
  LeaseWatch leases_;
};

}  // namespace

Take can_take(const BoardRows& rows, TrialId trial, LeaseWatch& leases, bool retry_failed) {
  switch (rows.status(trial)) {
    case TrialStatus::pending: return Take::yes;
    case TrialStatus::running:
      if (std::isnan(rows.lease(trial))) return Take::yes;  // never leased (trawl 0.1)
      if (leases.left(trial, rows.lease(trial)) <= 0) return Take::yes;
      return rows.owner && holder_known_dead(rows.owner(trial)) ? Take::yes : Take::wait;
    case TrialStatus::failed:
    case TrialStatus::diverged: return retry_failed ? Take::yes : Take::no;
    default: return Take::no;
  }
}

Claim first_claimable(const BoardRows& rows, LeaseWatch& leases, bool retry_failed) {
  Claim claim;
  for (TrialId t = 0; t < rows.size(); ++t) {
    const Take take = can_take(rows, t, leases, retry_failed);
    if (take == Take::yes) {
      claim.trial = t;
      return claim;
    }
    if (take == Take::wait) wait_for_lease(claim, rows, t, leases);
  }
  return claim;
}

Claim claim_from_cursor(const BoardRows& rows, LeaseWatch& leases) {
  Claim claim;
  ClaimCursor next{rows.cursor.next, {}};
  auto look = [&](TrialId t) {
    const Take take = can_take(rows, t, leases, false);
    if (rows.status(t) == TrialStatus::running || take == Take::yes) next.held.push_back(t);
    if (take == Take::yes && !claim.trial) claim.trial = t;
    if (take == Take::wait) wait_for_lease(claim, rows, t, leases);
  };
  // Held trials that ended are let go; one whose lease lapsed is taken first.
  for (TrialId t : rows.cursor.held)
    if (t < rows.size() && rows.status(t) == TrialStatus::running) look(t);
  for (; !claim.trial && next.next < rows.size(); ++next.next) look(next.next);
  std::sort(next.held.begin(), next.held.end());
  next.held.erase(std::unique(next.held.begin(), next.held.end()), next.held.end());
  // Nothing left past the cursor: one look over every trial before saying
  // so, which finds a trial made pending below the cursor by any path.
  if (!claim.trial && claim.wait == 0 && rows.cursor.next > 0) {
    Claim all = first_claimable(rows, leases, false);
    if (all.trial) next.held.insert(std::upper_bound(next.held.begin(), next.held.end(), *all.trial), *all.trial);
    claim.trial = all.trial;
    claim.wait = all.wait;
  }
  claim.cursor = std::move(next);
  return claim;
}

std::unique_ptr<Schedule> make_schedule(const ScheduleOptions& options, TrialBoard& board, std::int64_t trials,
                                        WorkerId worker) {
  if (options.kind == "dynamic") return std::make_unique<DynamicSchedule>(options, board);
  if (options.kind == "static") return std::make_unique<StaticSchedule>(options, board, trials, worker);
  throw InputError("sweep.schedule must be \"static\" or \"dynamic\", not \"" + options.kind + "\"");
}

}  // namespace trawl
