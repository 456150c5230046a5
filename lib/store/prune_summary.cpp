#include "store/prune_summary.hpp"

#include <algorithm>
#include <sstream>

#include "core/text.hpp"
#include "grid/trial_settings.hpp"
#include "spec/parse.hpp"

namespace trawl {

namespace {

// Trial i's train.steps: its own value when the grid sweeps it.
std::int64_t full_steps(const SweepSpec& spec, const TrialTable& table, std::size_t i) {
  for (const auto& column : table.params)
    if (column.axis == "train.steps") return std::get<std::int64_t>(column.at(i));
  return spec.integer("train.steps");
}

}  // namespace

PruneSummary summarize_pruning(const ResultStore& store, const TrialTable& table) {
  try {
    return summarize_pruning(parse_sweep_text(store.attribute("sweep_file"), store.path() + " (its sweep_file)", "."),
                             table);
  } catch (const InputError&) {
    return PruneSummary{};  // made by a trawl whose sweep files this one no longer reads
  }
}

PruneSummary summarize_pruning(const SweepSpec& recorded, const TrialTable& table) {
  PruneSummary out;
  out.halving = recorded.string("prune.rule") == "halving";
  out.reduction = out.halving ? recorded.integer("prune.reduction") : 0;
  std::int64_t top = -1;
  for (std::size_t i = 0; i < table.status.size(); ++i) {
    out.steps_run += table.steps[i];
    out.steps_full += full_steps(recorded, table, i);
    out.stopped_early += table.stopped_early[i] ? 1 : 0;
    top = std::max(top, table.rung[i]);
  }
  if (!out.halving) return out;
  const std::int64_t min_steps = recorded.integer("prune.min_steps");
  for (std::int64_t k = 0; k <= top; ++k) {
    RungCounts c{k, rung_step(min_steps, out.reduction, k)};
    for (std::size_t i = 0; i < table.status.size(); ++i) {
      const TrialStatus s = table.status[i];
      if (table.rung[i] > k) ++c.promoted;
      if (table.rung[i] == k && s == TrialStatus::pruned) ++c.pruned;
      if (table.rung[i] == k && s == TrialStatus::paused) ++c.waiting;
    }
    c.reached = c.promoted + c.pruned + c.waiting;
    if (c.reached > 0) out.rungs.push_back(c);
  }
  return out;
}

std::string prune_text(const PruneSummary& s) {
  if (!s.halving && s.stopped_early == 0) return "";
  std::ostringstream out;
  if (s.halving) {
    out << "successive halving (keeps 1 in " << s.reduction << " at each rung):\n";
    for (const auto& r : s.rungs)
      out << "  rung " << r.rung << " (step " << r.step << "): reached " << r.reached << "  promoted " << r.promoted
          << "  pruned " << r.pruned << "  waiting " << r.waiting << "\n";
    if (s.rungs.empty()) out << "  no trial has reached a rung yet\n";
  }
  if (s.stopped_early > 0) out << "stopped early (train.patience): " << s.stopped_early << " trial(s)\n";
  const double share = s.steps_full > 0 ? static_cast<double>(s.steps_run) / static_cast<double>(s.steps_full) : 0;
  out << "compute: " << s.steps_run << " of the full grid's " << s.steps_full << " steps run ("
      << format_number(100 * share, "%.1f") << "%)\n";
  return out.str();
}

}  // namespace trawl
