#include "sweep/plan.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_set>

#include "core/hash.hpp"
#include "core/text.hpp"
#include "grid/trial_settings.hpp"
#include "schedule/static_partition.hpp"

namespace trawl {

namespace {

std::string values_text(const std::vector<Value>& values) {
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values.size() > 10 && i == 5) {
      shown.push_back("... (" + std::to_string(values.size() - 8) + " more)");
      i = values.size() - 3;
    }
    shown.push_back(to_string(values[i]));
  }
  return join(shown, ", ");
}

// Early stopping and the rungs (for train.steps as the file sets it); the
// cohorts are at most the product of the group_by axes' lengths.
std::string pruning_text(const SweepSpec& spec) {
  std::ostringstream out;
  if (spec.integer("train.patience") > 0 || spec.find_axis("train.patience"))
    out << "early stopping: train.patience (eval points without an improvement > train.min_delta)\n";
  if (spec.string("prune.rule") != "halving") return out.str();
  std::int64_t most = spec.integer("train.steps");  // with train.steps on an axis, its largest value
  if (const Axis* axis = spec.find_axis("train.steps"))
    for (const auto& v : axis->values) most = std::max(most, std::get<std::int64_t>(v));
  const std::vector<std::int64_t> rungs = rung_steps(spec, most);
  std::int64_t cohorts = 1;
  for (const auto& axis : spec.prune_group_by) cohorts *= static_cast<std::int64_t>(spec.find_axis(axis)->values.size());
  std::vector<std::string> steps;
  for (std::int64_t step : rungs) steps.push_back(std::to_string(step));
  out << "pruning: successive halving, rungs at step " << join(steps, ", ") << " (of " << most
      << "), keeping 1 in " << spec.integer("prune.reduction") << " at each; up to " << cohorts << " cohort(s)"
      << (spec.prune_group_by.empty() ? "" : " by " + join(spec.prune_group_by, ", ")) << "\n";
  return out.str();
}

// Trials that differ only in infer.* axes share a training: how many
// trainings the grid holds. Without exclusions the evaluation-only axes
// divide the grid; with them, distinct training identities are counted up to
// 10^6 trials.
std::string trainings_text(const Grid& grid) {
  if (!grid.shares_training()) return "";
  std::int64_t evaluation_points = 1;
  for (const auto& dim : grid.dimensions())
    if (evaluation_only_dimension(dim)) evaluation_points *= static_cast<std::int64_t>(dim.size());
  std::string trainings = std::to_string(grid.size() / evaluation_points);
  if (grid.size() != grid.full_size()) {
    if (grid.size() > 1'000'000) {
      trainings = "at most " + std::to_string(grid.size());
    } else {
      std::unordered_set<std::uint64_t> distinct;
      for (TrialId id = 0; id < grid.size(); ++id)
        distinct.insert(StableHash().add_field(training_identity(grid.trial(id))).value());
      trainings = std::to_string(distinct.size());
    }
  }
  return "trainings: " + trainings + " (trials that differ only in infer.* axes share one); evaluations: " +
         std::to_string(grid.size()) + " (one per trial)\n";
}

}  // namespace

std::string plan_report(const SweepSpec& spec, const Grid& grid, const PlanOptions& options) {
  const std::int64_t ranks_per_trial = spec.integer("sweep.ranks_per_trial");
  if (options.array_count < 1) throw InputError("--array-count must be at least 1");
  if (options.ranks < 1 || options.ranks % ranks_per_trial != 0)
    throw InputError("--ranks " + std::to_string(options.ranks) + " must be a positive multiple of " +
                     "sweep.ranks_per_trial (" + std::to_string(ranks_per_trial) + ")");
  std::ostringstream out;
  out << "sweep " << spec.string("sweep.name") << " (" << spec.path << ")\n";
  out << "results: " << spec.results_file() << "\n";
  out << "metric: " << spec.string("sweep.metric") << " (" << spec.string("sweep.mode") << ")\n";
  out << "trials: " << grid.size();
  if (grid.full_size() != grid.size()) out << " (" << grid.full_size() - grid.size() << " of " << grid.full_size() << " excluded)";
  out << "\n" << trainings_text(grid);
  out << "\ndimensions (trial ids run through them like nested loops, the last fastest):\n";
  std::vector<Value> seeds(grid.seeds().begin(), grid.seeds().end());
  out << "  seed  [" << seeds.size() << "]  " << values_text(seeds) << "\n";
  for (const auto& dim : grid.dimensions()) {
    if (dim.axes.size() == 1) {
      out << "  " << dim.name << "  [" << dim.size() << "]  " << values_text(dim.axes[0].values) << "\n";
      continue;
    }
    out << "  " << dim.name << "  [" << dim.size() << "], zipped:\n";
    for (const auto& axis : dim.axes) out << "    " << axis.key << "  " << values_text(axis.values) << "\n";
  }
  if (!spec.exclusions.empty()) out << "exclusions: " << spec.exclusions.size() << "\n";
  out << pruning_text(spec);

  const std::int64_t groups = options.ranks / ranks_per_trial;
  const WorkerId first = WorkerId::of(0, options.array_count, 0, groups);
  const WorkerId last = WorkerId::of(options.array_count - 1, options.array_count, groups - 1, groups);
  const std::int64_t most = StaticPartition(grid.size(), first).size();
  const std::int64_t least = StaticPartition(grid.size(), last).size();
  out << "\nworkers: " << first.count << " (" << options.array_count << " array tasks x " << groups
      << " rank groups of " << ranks_per_trial << ")\n";
  out << "trials per worker: " << (least == most ? std::to_string(most) : std::to_string(least) + " to " + std::to_string(most)) << "\n";
  if (first.count > grid.size())
    out << "note: " << first.count - grid.size() << " workers would have no trial; use fewer array tasks\n";
  out << "\nsubmit with:\n  sbatch --array=0-" << options.array_count - 1 << " --ntasks=" << options.ranks
      << " slurm/sweep.sbatch " << spec.path << "\n";
  out << "or without Slurm, one array task at a time:\n  mpirun -np " << options.ranks << " trawl run " << spec.path
      << " --array-index I --array-count " << options.array_count << "\n";
  return out.str();
}

}  // namespace trawl
