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
#include "store/record.hpp"
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

// Where the copy's relative paths point now. The copy records the folder they
// were relative to when the sweep ran; when the sweep dir has moved since (a
// folder moved from /scratch to /project, another mount path on this node),
// that folder is taken to have moved with it.
std::string base_now(const std::string& text, const std::string& copy, const std::string& base_then,
                     const std::string& dir) {
  const fs::path then = fs::path(parse_sweep_text(text, copy, base_then).results_dir()).lexically_normal();
  const fs::path now = fs::absolute(dir).lexically_normal();
  std::error_code ec;
  if (then == now || fs::equivalent(then, now, ec)) return base_then;
  const fs::path up = fs::path(base_then).lexically_normal().lexically_relative(then);
  return up.empty() ? base_then : (now / up).lexically_normal().string();
}

// Every journal's first record names the sweep its writer ran: results
// trained under other settings (an edited copy, a changed input file) or
// another grid must not be rebuilt as this sweep's.
void check_journals_match(const std::vector<JournalRecord>& journals, const SweepSpec& spec, const std::string& copy,
                          const std::string& spec_hash_now) {
  const std::string settings = settings_hash(spec);
  for (const JournalRecord& r : journals) {
    const Record record = decode(r.fields, r.source + " record " + std::to_string(r.sequence));
    const auto* sweep = std::get_if<SweepRecord>(&record.body);
    if (!sweep) continue;
    if (sweep->settings_hash != settings)
      throw InputError(r.source + " was written by a worker whose settings hash to " + sweep->settings_hash +
                       ", but " + copy + " and the files it names hash to " + settings +
                       ": the copy was edited, or a data or model file changed, after its trials ran. Restore "
                       "them and run trawl repair again; nothing was changed.");
    if (sweep->spec_hash != spec_hash_now)
      throw InputError(r.source + " was written under another grid (spec hash " + sweep->spec_hash + ", " + copy +
                       " hashes to " + spec_hash_now + "): restore the copy's grid and run trawl repair again; nothing "
                       "was changed.");
  }
}

double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

CompactReport compact_sweep(const std::string& where) {
  return ResultStore::open_existing(results_file_in(where)).compact();
}

RepairReport repair_sweep(const std::string& where) {
  const std::string dir = sweep_dir_of(where);
  const std::string copy = sweep_copy_in(dir);
  const char* what = "the sweep's copy of its sweep file (is this a trawl sweep directory?)";
  const std::string text = read_text_file(copy, what);
  SweepSpec spec = parse_sweep_text(text, copy, base_now(text, copy, read_text_file(copy + ".base", what), dir));
  // The copy's sweep.dir may be relative to the original file: results go here.
  spec.settings["sweep.dir"].value = fs::absolute(dir).lexically_normal().string();
  const Grid grid(spec);
  const DataShape shape = inspect_data(spec);
  JournalDamage damage;
  const std::vector<JournalRecord> journals = read_journals(journal_dir(dir), &damage);
  if (journals.empty())
    throw InputError("nothing to rebuild " + spec.results_file() + " from: " + journal_dir(dir) +
                     " holds no journal records (a sweep's workers write them as they run)");
  const std::string hash = spec_hash(spec);
  check_journals_match(journals, spec, copy, hash);
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
  ResultStore store = ResultStore::rebuild(spec, grid, sweep_metrics(spec, shape.classes), hash);
  report.records = store.replay(journals);
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
