// lib/store: the shared results file. Every method takes the sidecar lock,
// opens the file, does its work and closes it again, so any number of
// processes on any nodes may call them concurrently. It is the TrialBoard the
// schedules (lib/schedule) take trials from.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "grid/grid.hpp"
#include "grid/outcome.hpp"
#include "schedule/trial_board.hpp"
#include "spec/sweep_spec.hpp"
#include "store/inputs.hpp"
#include "store/journal.hpp"
#include "store/paths.hpp"
#include "store/record.hpp"

namespace trawl {

// The results file exists but cannot be read: `trawl repair` rebuilds it.
class DamagedResults : public Error {
 public:
  using Error::Error;
};

// A write to the results file (or its journal) that could not be made: the
// disk is full, or the file system refused. The worker must stop; the file
// is left as it was before the write.
class StoreWriteError : public Error {
 public:
  using Error::Error;
};

// A params/<axis> column as the file stores it, in the axis's type (bools
// as 0/1): no Value per trial is built until one is asked for.
struct ParamColumn {
  std::string axis;
  std::variant<std::vector<std::int64_t>, std::vector<double>, std::vector<std::int8_t>, std::vector<std::string>>
      values;
  Value at(std::size_t trial) const;
};

// What the file says about every trial (the /trials columns trawl reads back;
// those a TrialColumns leaves out are empty).
struct TrialTable {
  std::vector<std::int64_t> seed;
  std::vector<ParamColumn> params;  // per axis, in axis order
  std::vector<TrialStatus> status;
  std::vector<std::string> owner;
  std::vector<std::int64_t> attempts, steps, best_step;
  std::vector<std::int64_t> rung;          // successive halving: rungs passed, or the rung it waits/was cut at
  std::vector<std::int8_t> stopped_early;  // 1: train.patience ended it
  std::vector<std::int64_t> trained_by;    // the trial whose training made its weights; -1: unsaid
  std::vector<double> started, finished, wall_seconds;
  std::map<std::string, std::vector<double>> final_metrics, best_metrics;
  // At the step-0 eval point (train.eval_at_start); NaN for a trial without one.
  std::map<std::string, std::vector<double>> start_metrics;
};

// Which /trials columns a read takes beyond status, steps, rungs and metrics:
// at 10^6 trials each parameter column and the owners cost a few tenths of
// a second, so `trawl status` and `trawl report` read only what they show.
struct TrialColumns {
  bool all_axes = true;            // every params/<axis> column, and seed
  std::vector<std::string> axes;   // else only these (those the grid has)
  bool ownership = true;           // owner, attempts, started, finished
};

struct CompactReport {
  std::int64_t bytes_before = 0, bytes_after = 0;
};

class ResultStore : public TrialBoard {
 public:
  // Opens the sweep's results file, creating it (all trial rows up front)
  // when it is missing. When only the grid changed and every trial recorded
  // so far is in the new grid too (values added to axes, a seed added), the
  // file is rebuilt for the new grid with those trials under their new ids.
  // Throws InputError, saying what changed, for any other change.
  static ResultStore open_or_create(const SweepSpec& spec, const Grid& grid,
                                    const std::vector<std::string>& metrics, const std::string& spec_hash);
  // When the file is missing but the sweep dir holds journals or trial files,
  // throws InputError saying to run `trawl repair`.
  //
  // A new, empty file for `trawl repair` to replay journals into.
  static ResultStore rebuild(const SweepSpec& spec, const Grid& grid, const std::vector<std::string>& metrics,
                             const std::string& spec_hash);
  // An existing file, for readers; throws InputError when it is missing.
  static ResultStore open_existing(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& metrics() const { return metrics_; }
  std::int64_t trial_count() const { return trials_; }
  std::string attribute(const std::string& name) const;
  // The hashes of the inputs the file was made from (nullopt: a file made before trawl recorded them).
  std::optional<RecordedInputs> recorded_inputs() const;
  // sweep.constraints as the file records them (none in a file of a sweep without).
  std::vector<Constraint> constraints() const;

  // From now on every write is first appended to this journal (see journal.hpp).
  // Its first record says which sweep the writer runs (SweepRecord).
  void attach_journal(std::shared_ptr<Journal> journal, const SweepRecord& sweep);
  // From now on eval points, outcomes and interruptions are written only
  // while the trial is running under this owner's claim: a worker whose trial
  // went to another (its lease lapsed) cannot overwrite it, and a done trial
  // never goes back. The writes below then return false when refused.
  void write_as(std::string owner) { writer_ = std::move(owner); }
  // Applies journal records (from read_journals) as `trawl repair` does after
  // recreating the file; returns how many it applied. Each trial's records
  // are applied attempt by attempt (the attempt numbers its starts and claims
  // carry), each attempt's in its writer's sequence order; no clock of one
  // node is compared with another's. Throws Error naming a damaged record.
  std::size_t replay(const std::vector<JournalRecord>& records);

  // After a rebuild: takes from the results file at `old_path` (readable,
  // of this grid) every trial it holds further along than the rebuild does
  // (a recorded outcome against none, or more eval points) and every event the
  // rebuild lacks, so nothing the old file held is lost. Returns how many
  // trials it took; 0 when the old file is of another grid size.
  std::size_t merge_from(const std::string& old_path);

  // Rewrites the file to its minimal size (what HDF5 left behind of rewritten
  // records is dropped), every row, curve and event where it was; safe while
  // workers run (it holds the lock). Reads every column into memory.
  CompactReport compact() const;

  // Every trial's status, checked against the enum.
  std::vector<TrialStatus> statuses() const;

  // TrialBoard
  Claim claim(const Pick& pick, const std::string& owner, double lease_seconds, bool with_rungs = false) override;
  bool renew(TrialId trial, const std::string& owner, double lease_seconds) override;

  bool eval_point(TrialId trial, const EvalPoint& point);
  bool trial_finished(TrialId trial, const TrialOutcome& outcome, double time);
  // Checkpointed at successive halving's rung `rung`: waits for its cohort.
  bool trial_paused(TrialId trial, std::int64_t steps, std::int64_t rung);
  // Back to pending after an early stop: the next run resumes it.
  bool trial_interrupted(TrialId trial, std::int64_t steps);
  void event(const StoreEvent& event);

  TrialTable read_trials(const TrialColumns& columns = {}) const;
  std::vector<StoreEvent> read_events() const;

 private:
  ResultStore(std::string path, std::vector<std::string> metrics, std::int64_t trials);
  static ResultStore create(const SweepSpec& spec, const Grid& grid, const std::vector<std::string>& metrics,
                            const std::string& spec_hash);
  // Takes the lock, journals the record (when a journal is attached), writes
  // it; false when write_as's guard refuses a trial's record.
  bool record(const Record& record);
  Claim claim_under_lock(const Pick& pick, const std::string& owner, double lease_seconds, bool with_rungs);
  // The journal's records made durable, after the lock is released: at once
  // for an outcome, else at most once a second (result_store.cpp says why).
  void sync_journal(bool outcome);
  // The attempt this store's claim of a trial got, until its outcome.
  std::optional<std::int64_t> claimed_attempt(TrialId trial, const std::string& owner) const;
  struct ClaimedAttempt {
    std::string owner;
    std::int64_t attempt;
  };
  std::unordered_map<TrialId, ClaimedAttempt> claimed_;
  std::shared_ptr<Journal> journal_;
  std::chrono::steady_clock::time_point journal_synced_{};
  std::string writer_;
  std::string path_;
  std::vector<std::string> metrics_;
  std::int64_t trials_;
};

}  // namespace trawl
