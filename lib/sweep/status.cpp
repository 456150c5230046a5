#include "sweep/status.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "store/result_store.hpp"

namespace trawl {

namespace {

struct WorkerProgress {
  std::int64_t done = 0, running = 0, failed = 0;
  double seconds = 0;
};

std::string worker_of(const std::string& owner) { return owner.substr(0, owner.find('@')); }

}  // namespace

std::string status_report(const std::string& where) {
  const ResultStore store = ResultStore::open_existing(results_file_in(where));
  const TrialTable table = store.read_trials();
  const std::string metric = store.attribute("metric");
  const bool maximize = store.attribute("mode") == "max";

  std::map<TrialStatus, std::int64_t> counts;
  std::map<std::string, WorkerProgress> workers;
  std::int64_t best = -1;
  const auto& finals = table.final_metrics.at(metric);
  for (std::size_t i = 0; i < table.status.size(); ++i) {
    const TrialStatus s = table.status[i];
    ++counts[s];
    if (s == TrialStatus::pending) continue;
    WorkerProgress& w = workers[worker_of(table.owner[i])];
    if (s == TrialStatus::running) ++w.running;
    else if (s == TrialStatus::done) ++w.done;
    else ++w.failed;
    if (std::isfinite(table.wall_seconds[i])) w.seconds += table.wall_seconds[i];
    if (s == TrialStatus::done && std::isfinite(finals[i]) &&
        (best < 0 || (maximize ? finals[i] > finals[best] : finals[i] < finals[best])))
      best = static_cast<std::int64_t>(i);
  }

  std::ostringstream out;
  out << "results: " << store.path() << "\n";
  out << "trials: " << table.status.size();
  for (const auto& name : trial_status_names()) {
    auto status = static_cast<TrialStatus>(&name - &trial_status_names()[0]);
    out << "  " << name << " " << counts[status];
  }
  out << "\n";
  if (best >= 0) {
    auto b = static_cast<std::size_t>(best);
    out << "best so far: trial " << best << " " << metric << "=" << format_double(finals[b]) << " ("
        << (maximize ? "max" : "min") << ")\n";
  } else {
    out << "best so far: none done yet\n";
  }
  if (!workers.empty()) {
    out << "workers:\n";
    for (const auto& [name, w] : workers)
      out << "  " << name << "  done " << w.done << "  running " << w.running << "  failed " << w.failed
          << "  trial time " << static_cast<std::int64_t>(w.seconds) << " s\n";
  }
  std::vector<StoreEvent> events = store.read_events();
  if (!events.empty()) {
    out << "events (last " << std::min<std::size_t>(events.size(), 10) << " of " << events.size() << "):\n";
    for (std::size_t i = events.size() > 10 ? events.size() - 10 : 0; i < events.size(); ++i)
      out << "  trial " << events[i].trial << " " << events[i].kind << ": " << events[i].message << "\n";
  }
  return out.str();
}

}  // namespace trawl
