#include "sweep/status.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "spec/metrics.hpp"
#include "store/prune_summary.hpp"
#include "store/result_store.hpp"

namespace trawl {

namespace {

struct WorkerProgress {
  std::map<TrialStatus, std::int64_t> trials;  // by status, of the trials it owns
  std::int64_t requeued = 0;
  double seconds = 0;
  std::set<std::string> jobs;
};

std::string worker_of(const std::string& owner) { return owner.substr(0, owner.find('@')); }

std::string job_of(const std::string& owner) {
  auto at = owner.find(" job ");
  if (at == std::string::npos) return "-";
  std::string job = owner.substr(at + 5);
  return job.substr(0, job.find(' '));  // without " restart <n>"
}

std::string duration_text(double seconds) {
  auto s = static_cast<std::int64_t>(seconds);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

// The best done trial by its best eval point's value of `metric` (as `trawl
// report` ranks: docs/evaluation.md), among those that meet every
// constraint (and the constraints, and how many meet them).
std::string best_text(const TrialTable& table, const std::string& metric, Goal goal,
                      const std::vector<Constraint>& constraints) {
  const auto& values = table.best_metrics.at(metric);
  std::int64_t best = -1, done = 0, feasible = 0, defined = 0;
  for (std::size_t i = 0; i < table.status.size(); ++i) {
    if (table.status[i] != TrialStatus::done) continue;
    ++done;
    if (std::isfinite(values[i])) ++defined;
    if (!std::isfinite(values[i]) || first_broken(constraints, table.best_metrics, i)) continue;
    ++feasible;
    if (best < 0 || better(values[i], values[static_cast<std::size_t>(best)], goal))
      best = static_cast<std::int64_t>(i);
  }
  std::ostringstream out;
  if (!constraints.empty())
    out << "constraints: " << constraints_text(constraints) << "; met by " << feasible << " of " << done
        << " done trials\n";
  if (done > 0 && defined == 0)
    return out.str() + "best so far: none: " + metric + " is NaN for all " + std::to_string(done) +
           " done trials (undefined on this data?)\n";
  if (best < 0)
    return out.str() + (constraints.empty() || done == 0 ? "best so far: none done yet\n"
                                                         : "best so far: no done trial meets every constraint\n");
  out << "best so far: trial " << best << " " << metric << "=" << format_double(values[static_cast<std::size_t>(best)])
      << " (" << mode_name(goal) << (constraints.empty() ? "" : ", meeting every constraint") << ")\n";
  return out.str();
}

// "  done 3  running 1  failed 0  pruned 2 ...": each status it has trials in
// beyond done, running and failed, which are always shown.
std::string worker_line(const std::string& name, const WorkerProgress& w) {
  std::ostringstream out;
  out << "  " << name << "  job " << join(std::vector<std::string>(w.jobs.begin(), w.jobs.end()), ",");
  for (const TrialStatus s : {TrialStatus::done, TrialStatus::running, TrialStatus::failed, TrialStatus::diverged,
                              TrialStatus::pruned, TrialStatus::paused}) {
    const auto count = w.trials.find(s);
    const bool always = s == TrialStatus::done || s == TrialStatus::running || s == TrialStatus::failed;
    if (always || count != w.trials.end())
      out << "  " << to_string(s) << " " << (count == w.trials.end() ? 0 : count->second);
  }
  out << "  requeued " << w.requeued << "  trial time " << static_cast<std::int64_t>(w.seconds) << " s\n";
  return out.str();
}

// The inputs the results file was made from, with their hashes.
std::string inputs_text(const std::optional<RecordedInputs>& inputs) {
  if (!inputs) return "inputs: not recorded (the file was made before trawl recorded them)\n";
  std::ostringstream out;
  out << "inputs (hashed " << inputs->hashed_at << "):\n";
  for (const InputFile& file : inputs->files)
    out << "  " << file.key << "  " << file.path << "  xxh3 " << file.hash << "\n";
  return out.str();
}

}  // namespace

std::string status_report(const std::string& where) {
  const ResultStore store = ResultStore::open_existing(results_file_in(where));
  // Of the parameters, only train.steps (pruning's compute share needs it).
  const TrialTable table = store.read_trials(TrialColumns{false, {"train.steps"}, true});
  const std::string metric = store.attribute("metric");
  const Goal goal = goal_of_mode(store.attribute("mode"));

  std::map<TrialStatus, std::int64_t> counts;
  std::map<std::string, WorkerProgress> workers;
  double first_start = 0;
  for (std::size_t i = 0; i < table.status.size(); ++i) {
    const TrialStatus s = table.status[i];
    ++counts[s];
    if (table.owner[i].empty()) continue;
    WorkerProgress& w = workers[worker_of(table.owner[i])];
    w.jobs.insert(job_of(table.owner[i]));
    ++w.trials[s];
    if (std::isfinite(table.wall_seconds[i])) w.seconds += table.wall_seconds[i];
    if (std::isfinite(table.started[i]) && (first_start == 0 || table.started[i] < first_start))
      first_start = table.started[i];
  }
  // Each interruption (a requeue, a pre-timeout signal) is charged to the
  // worker that owned the trial then: its owner at the time of the event.
  const std::vector<StoreEvent> events = store.read_events();
  for (const auto& e : events)
    if (e.kind == "interrupted" && e.trial >= 0)
      ++workers[worker_of(table.owner[static_cast<std::size_t>(e.trial)])].requeued;

  std::ostringstream out;
  out << "results: " << store.path() << "\n";
  out << "trials: " << table.status.size();
  for (const auto& name : trial_status_names()) {
    auto status = static_cast<TrialStatus>(&name - &trial_status_names()[0]);
    out << "  " << name << " " << counts[status];
  }
  out << "\n";
  out << inputs_text(store.recorded_inputs());
  out << best_text(table, metric, goal, store.constraints());
  out << prune_text(summarize_pruning(store, table));
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t finished = counts[TrialStatus::done] + counts[TrialStatus::failed] + counts[TrialStatus::diverged] +
                                counts[TrialStatus::pruned];
  const std::int64_t left =
      counts[TrialStatus::pending] + counts[TrialStatus::running] + counts[TrialStatus::paused];
  if (finished > 0 && first_start > 0 && left > 0) {
    const double rate = static_cast<double>(finished) / std::max(1.0, now - first_start);
    out << "rate so far: " << format_double(std::round(rate * 3600 * 10) / 10) << " trials/hour; " << left
        << " left: about " << duration_text(static_cast<double>(left) / rate) << " at this rate\n";
  }
  if (!workers.empty()) {
    out << "workers (a<array task>.g<rank group>):\n";
    for (const auto& [name, w] : workers) out << worker_line(name, w);
  }
  if (!events.empty()) {
    out << "events (last " << std::min<std::size_t>(events.size(), 10) << " of " << events.size() << "):\n";
    for (std::size_t i = events.size() > 10 ? events.size() - 10 : 0; i < events.size(); ++i)
      out << "  trial " << events[i].trial << " " << events[i].kind << ": " << events[i].message << "\n";
  }
  return out.str();
}

}  // namespace trawl
