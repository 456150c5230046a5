// lib/store: the shared results file. Every method takes the sidecar lock,
// opens the file, does its work and closes it again, so any number of
// processes on any nodes may call them concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <hdf5.h>

#include "grid/grid.hpp"
#include "spec/sweep_spec.hpp"
#include "store/journal.hpp"
#include "train/outcome.hpp"

namespace trawl {

// The results file exists but cannot be read: `trawl repair` rebuilds it.
class DamagedResults : public Error {
 public:
  using Error::Error;
};

struct StoreEvent {
  double time = 0;
  TrialId trial = -1;  // -1: about the sweep, not one trial
  std::string kind;
  std::string message;
};

// What the file says about every trial (the /trials columns trawl reads back).
struct TrialTable {
  std::vector<std::int64_t> seed;
  std::vector<std::pair<std::string, std::vector<Value>>> params;  // per axis, in axis order
  std::vector<TrialStatus> status;
  std::vector<std::string> owner;
  std::vector<std::int64_t> attempts, steps, best_step;
  std::vector<double> started, finished, wall_seconds;
  std::map<std::string, std::vector<double>> final_metrics, best_metrics;
};

class ResultStore {
 public:
  // Opens the sweep's results file, creating it (all trial rows up front)
  // when it is missing. When only the grid changed and every trial recorded
  // so far is in the new grid too (values added to axes, a seed added), the
  // file is rebuilt for the new grid with those trials under their new ids.
  // Throws InputError, saying what changed, for any other change.
  static ResultStore open_or_create(const SweepSpec& spec, const Grid& grid,
                                    const std::vector<std::string>& metrics, const std::string& spec_hash);
  // An existing file, for readers; throws InputError when it is missing.
  static ResultStore open_existing(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& metrics() const { return metrics_; }
  std::int64_t trial_count() const { return trials_; }
  std::string attribute(const std::string& name) const;

  // From now on every write is first appended to this journal (see journal.hpp).
  void attach_journal(std::shared_ptr<Journal> journal) { journal_ = std::move(journal); }
  // Applies journal records (from read_journals), oldest first, as `trawl
  // repair` does after recreating the file. Returns how many it applied.
  std::size_t replay(std::vector<JournalRecord> records);

  void trial_started(TrialId trial, const std::string& owner, double time);

  // The dynamic schedule. claim_next takes the first trial that is pending,
  // or running with an expired lease (its worker died), marks it running for
  // `owner` until now + lease, and returns it; nullopt when nothing is left to
  // claim. `wait` says how long until a running trial's lease expires (0: none
  // is running elsewhere, so the sweep is finished for this worker).
  struct Claim {
    std::optional<TrialId> trial;
    double wait = 0;
  };
  Claim claim_next(const std::string& owner, double lease_seconds, bool retry_failed);
  // Extends the lease; false when the trial is no longer this owner's.
  bool renew_lease(TrialId trial, const std::string& owner, double lease_seconds);
  void eval_point(TrialId trial, const EvalPoint& point);
  void trial_finished(TrialId trial, const TrialOutcome& outcome, double time);
  // Back to pending after an early stop: the next run resumes it.
  void trial_interrupted(TrialId trial, std::int64_t steps);
  void event(const StoreEvent& event);

  std::vector<TrialStatus> statuses() const;
  TrialTable read_trials() const;
  std::vector<StoreEvent> read_events() const;

 private:
  ResultStore(std::string path, std::vector<std::string> metrics, std::int64_t trials);
  // Journals the record (when a journal is attached), then writes it:
  // record() takes the lock itself, commit() runs under a held one.
  void record(std::vector<std::string> fields);
  void commit(hid_t file, const std::vector<std::string>& fields);
  void apply(hid_t file, const std::vector<std::string>& fields);
  std::shared_ptr<Journal> journal_;
  std::string path_;
  std::vector<std::string> metrics_;
  std::int64_t trials_;
};

std::string lock_path_for(const std::string& results_file);
// `where` is a sweep dir (its results.h5) or a results file.
std::string results_file_in(const std::string& where);
// Where a sweep dir keeps its copy of the sweep file, its journals, and each
// trial's files (checkpoints, final weights).
std::string sweep_copy_in(const std::string& results_dir);
std::string journal_dir(const std::string& results_dir);
std::string trial_dir(const std::string& results_dir, std::int64_t trial);

}  // namespace trawl
