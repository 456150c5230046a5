#include "sweep/repair.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "grid/grid.hpp"
#include "spec/metrics.hpp"
#include "spec/parse.hpp"
#include "spec/spec_hash.hpp"
#include "store/file_lock.hpp"
#include "store/result_store.hpp"
#include "train/data_check.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

// Whether the file can be read through (open, and every trial status valid).
bool readable(const std::string& path) {
  try {
    ResultStore::open_existing(path).statuses();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

CompactReport compact_sweep(const std::string& where) {
  return ResultStore::open_existing(results_file_in(where)).compact();
}

RepairReport repair_sweep(const std::string& dir) {
  const std::string copy = sweep_copy_in(dir);
  const char* what = "the sweep's copy of its sweep file (is this a trawl sweep directory?)";
  SweepSpec spec = parse_sweep_text(read_text_file(copy, what), copy, read_text_file(copy + ".base", what));
  // The copy's sweep.dir may be relative to the original file: results go here.
  spec.settings["sweep.dir"].value = fs::absolute(dir).lexically_normal().string();
  const Grid grid(spec);
  const DataShape shape = inspect_data(spec);
  RepairReport report;
  report.results = spec.results_file();
  report.old_was_readable = fs::exists(report.results) && readable(report.results);
  {
    FileLock lock(lock_path_for(report.results), FileLock::Mode::exclusive);
    if (fs::exists(report.results)) {
      const auto stamp = std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1);
      report.moved_aside = report.results + (report.old_was_readable ? ".replaced-" : ".damaged-") +
                           std::to_string(stamp);
      fs::rename(report.results, report.moved_aside);
    }
  }
  ResultStore store = ResultStore::rebuild(spec, grid, sweep_metrics(spec, shape.classes),
                                           spec_hash(spec));
  JournalDamage damage;
  report.records = store.replay(read_journals(journal_dir(dir), &damage));
  report.journals_torn = damage.torn;
  report.damaged_stretches = damage.damaged;
  if (report.old_was_readable) report.merged = store.merge_from(report.moved_aside);
  store.event(StoreEvent{now(), -1, "repaired",
                         "rebuilt from " + std::to_string(report.records) + " journal records" +
                             (report.merged ? " and " + std::to_string(report.merged) + " trials of the replaced file"
                                            : std::string()) +
                             (report.moved_aside.empty() ? "" : "; the old file is " + report.moved_aside)});
  return report;
}

}  // namespace trawl
