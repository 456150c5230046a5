#include "schedule/halving.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/arith.hpp"
#include "core/text.hpp"
#include "grid/trial_settings.hpp"

namespace trawl {

namespace {

bool alive(TrialStatus status) {
  return status == TrialStatus::pending || status == TrialStatus::running || status == TrialStatus::paused;
}

bool failed(TrialStatus status) { return status == TrialStatus::failed || status == TrialStatus::diverged; }

// A participant of a rung and its value there; failed trials and NaNs rank last.
struct Standing {
  TrialId trial;
  double value;
  bool worst;
};

}  // namespace

Halving::Halving(const SweepSpec& spec, const Grid& grid)
    : metric_(spec.string("sweep.metric")), goal_(goal_of_mode(spec.string("sweep.mode"))),
      min_steps_(spec.integer("prune.min_steps")), reduction_(spec.integer("prune.reduction")) {
  std::map<std::string, std::int64_t> cohorts;
  std::map<std::int64_t, std::int64_t> rungs_by_steps;
  cohort_.resize(static_cast<std::size_t>(grid.size()));
  rung_count_.resize(cohort_.size());
  for (TrialId t = 0; t < grid.size(); ++t) {
    const Trial trial = grid.trial(t);
    std::vector<std::string> key;
    std::int64_t steps = spec.integer("train.steps");
    for (const auto& [axis, value] : trial.params) {
      if (std::find(spec.prune_group_by.begin(), spec.prune_group_by.end(), axis) != spec.prune_group_by.end())
        key.push_back(axis + "=" + to_string(value));
      if (axis == "train.steps") steps = std::get<std::int64_t>(value);
    }
    const std::string label = key.empty() ? "all trials" : join(key, " ");
    const auto [it, added] = cohorts.emplace(label, static_cast<std::int64_t>(members_.size()));
    if (added) {
      members_.emplace_back();
      labels_.push_back(label);
    }
    cohort_[static_cast<std::size_t>(t)] = it->second;
    members_[static_cast<std::size_t>(it->second)].push_back(t);
    auto rungs = rungs_by_steps.find(steps);
    if (rungs == rungs_by_steps.end())
      rungs = rungs_by_steps.emplace(steps, static_cast<std::int64_t>(rung_steps(spec, steps).size())).first;
    rung_count_[static_cast<std::size_t>(t)] = rungs->second;
  }
}

std::int64_t Halving::rung_step(std::int64_t rung) const { return trawl::rung_step(min_steps_, reduction_, rung); }

std::int64_t Halving::rungs_of(TrialId trial) const { return rung_count_[static_cast<std::size_t>(trial)]; }

std::vector<RungDecision> Halving::decide(BoardRows& rows) const {
  std::vector<RungDecision> out;
  for (const auto& members : members_) {
    std::int64_t top = 0;
    for (TrialId t : members) top = std::max(top, rows.rung[static_cast<std::size_t>(t)]);
    for (std::int64_t k = 0; k <= top; ++k)
      if (!decide_rung(members, k, rows, out)) break;
  }
  return out;
}

// Participants of rung k: trials past it, paused or pruned at it, or failed on
// the way to it. A done trial at k finished before reaching it (its steps end
// below the rung, or patience stopped it) and takes no part. A trial that may
// still reach k (alive below it, or pending or running towards it) holds the
// decision back. Decisions already taken stay; a paused trial is promoted when
// it ranks among the best ceil(n / reduction) of all participants.
bool Halving::decide_rung(const std::vector<TrialId>& members, std::int64_t k, BoardRows& rows,
                          std::vector<RungDecision>& out) const {
  std::vector<Standing> standings;
  std::vector<TrialId> paused;
  const std::int64_t step = rung_step(k);
  for (TrialId t : members) {
    const auto i = static_cast<std::size_t>(t);
    const std::int64_t p = rows.rung[i];
    const TrialStatus status = rows.status(t);
    if (p < k || (p == k && (status == TrialStatus::pending || status == TrialStatus::running))) {
      if (alive(status)) return false;
      continue;
    }
    if (p == k && status == TrialStatus::done) continue;
    if (p == k && failed(status)) {
      standings.push_back(Standing{t, 0, true});
      continue;
    }
    if (p == k && status == TrialStatus::paused) paused.push_back(t);
    const double value = rows.metric_at(t, metric_, step);
    standings.push_back(Standing{t, value, std::isnan(value)});
  }
  if (paused.empty()) return true;
  std::sort(standings.begin(), standings.end(), [&](const Standing& a, const Standing& b) {
    if (a.worst != b.worst) return b.worst;  // failed and NaN trials rank last
    if (!a.worst && better(a.value, b.value, goal_)) return true;
    if (!a.worst && better(b.value, a.value, goal_)) return false;
    return a.trial < b.trial;
  });
  const auto n = static_cast<std::int64_t>(standings.size());
  const std::int64_t keep = ceil_div(n, reduction_);
  const Standing& cut = standings[static_cast<std::size_t>(keep - 1)];
  for (std::int64_t place = 0; place < n; ++place) {
    const Standing& s = standings[static_cast<std::size_t>(place)];
    if (std::find(paused.begin(), paused.end(), s.trial) == paused.end()) continue;
    const bool promoted = place < keep;
    const std::string message = "rung " + std::to_string(k) + " (step " + std::to_string(step) + "): " + metric_ +
                                " " + (s.worst ? std::string("none") : format_number(s.value, "%.4g")) + ", " +
                                (promoted ? "" : "not ") + "in the best " + std::to_string(keep) + " of " +
                                std::to_string(n) + " (cut-off " +
                                (cut.worst ? std::string("none") : format_number(cut.value, "%.4g")) + ")";
    out.push_back(RungDecision{s.trial, k, promoted, message});
    rows.set_status(s.trial, promoted ? TrialStatus::pending : TrialStatus::pruned);
    if (promoted) rows.rung[static_cast<std::size_t>(s.trial)] = k + 1;
  }
  return true;
}

}  // namespace trawl
