#include "schedule/schedule.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace trawl {

namespace {

bool runnable(TrialStatus status, bool retry_failed) {
  return status == TrialStatus::pending || status == TrialStatus::running ||
         (retry_failed && (status == TrialStatus::failed || status == TrialStatus::diverged));
}

class StaticSchedule : public Schedule {
 public:
  StaticSchedule(const ScheduleOptions& options, TrialBoard& board, std::int64_t trials, WorkerId worker)
      : options_(options), board_(board), trials_(trials), mine_(trials, worker), statuses_(board.statuses()) {}

  Assignment next() override {
    for (; k_ < mine_.size(); ++k_) {
      const TrialId id = mine_[k_];
      if (!runnable(statuses_.at(static_cast<std::size_t>(id)), options_.retry_failed)) {
        ++skipped_;
        continue;
      }
      board_.start(id, options_.owner);
      Assignment a;
      a.trial = id;
      a.position = ++k_;
      a.count = mine_.size();
      a.taken = "started";
      return a;
    }
    return Assignment{};
  }

  std::int64_t skipped() const override { return skipped_; }
  std::string describe() const override {
    return std::to_string(mine_.size()) + " of " + std::to_string(trials_) + " trials";
  }

 private:
  ScheduleOptions options_;
  TrialBoard& board_;
  std::int64_t trials_;
  StaticPartition mine_;
  std::vector<TrialStatus> statuses_;  // as recorded when the run started
  std::int64_t k_ = 0, skipped_ = 0;
};

class DynamicSchedule : public Schedule {
 public:
  DynamicSchedule(const ScheduleOptions& options, TrialBoard& board) : options_(options), board_(board) {}

  Assignment next() override {
    const bool retry = options_.retry_failed;
    Assignment a;
    static_cast<Claim&>(a) = board_.claim([retry](const BoardRows& rows, double now) {
      return first_claimable(rows, now, retry);
    }, options_.owner, options_.lease_seconds);
    if (a.trial) {
      a.position = ++claimed_;
      a.taken = "claimed";
      last_renewal_ = std::chrono::steady_clock::now();
      held_ = true;
    }
    return a;
  }

  // Renews every third of the lease; once a renewal fails, the trial is gone.
  bool still_ours(TrialId trial) override {
    const auto now = std::chrono::steady_clock::now();
    if (held_ && std::chrono::duration<double>(now - last_renewal_).count() >= options_.lease_seconds / 3) {
      held_ = board_.renew(trial, options_.owner, options_.lease_seconds);
      last_renewal_ = now;
    }
    return held_;
  }

  std::string describe() const override { return "claims trials as it goes"; }

 private:
  ScheduleOptions options_;
  TrialBoard& board_;
  std::int64_t claimed_ = 0;
  bool held_ = false;
  std::chrono::steady_clock::time_point last_renewal_{};
};

}  // namespace

Claim first_claimable(const BoardRows& rows, double now, bool retry_failed) {
  Claim claim;
  for (std::size_t k = 0; k < rows.status.size(); ++k) {
    const TrialStatus status = rows.status[k];
    const bool expired = status == TrialStatus::running && !(rows.lease[k] > now);
    const bool retry = retry_failed && (status == TrialStatus::failed || status == TrialStatus::diverged);
    if (status == TrialStatus::pending || expired || retry) {
      claim.trial = static_cast<TrialId>(k);
      return claim;
    }
    if (status == TrialStatus::running) {
      const double left = rows.lease[k] - now;
      claim.wait = claim.wait == 0 ? left : std::min(claim.wait, left);
    }
  }
  return claim;
}

std::unique_ptr<Schedule> make_schedule(const ScheduleOptions& options, TrialBoard& board, std::int64_t trials,
                                        WorkerId worker) {
  if (options.kind == "dynamic") return std::make_unique<DynamicSchedule>(options, board);
  if (options.kind == "static") return std::make_unique<StaticSchedule>(options, board, trials, worker);
  throw InputError("sweep.schedule must be \"static\" or \"dynamic\", not \"" + options.kind + "\"");
}

}  // namespace trawl
