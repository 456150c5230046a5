// lib/store: the records trawl writes about trials, one struct per kind.
// Each is appended to the writing worker's journal (fields of text) before
// it is applied to the results file, so `trawl repair` can apply it again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "grid/grid.hpp"
#include "grid/outcome.hpp"

namespace trawl {

struct StoreEvent {
  double time = 0;
  TrialId trial = -1;  // -1: about the sweep, not one trial
  std::string kind;
  std::string message;
};

// A worker takes a trial: a new attempt (with a lease under the dynamic schedule).
struct StartRecord {
  TrialId trial = 0;
  std::string owner;
  std::int64_t attempt = 1;
  std::optional<double> lease_until;
};
struct LeaseRecord {
  TrialId trial = 0;
  double lease_until = 0;
};
struct EvalRecord {
  TrialId trial = 0;
  EvalPoint point;
};
struct FinishRecord {
  TrialId trial = 0;
  TrialStatus status = TrialStatus::done;
  std::int64_t steps = 0, best_step = -1;
  double wall_seconds = 0;
  std::map<std::string, double> final_metrics, best_metrics;
  bool stopped_early = false;  // train.patience ended it
  TrialId trained_by = -1;     // the trial whose training made its weights (docs/evaluation.md); -1: unsaid
};
// Checkpointed at successive halving's rung `rung` (0-based), at `steps`:
// the trial waits for its cohort's decision there.
struct PauseRecord {
  TrialId trial = 0;
  std::int64_t steps = 0, rung = 0;
};
// The cohort's decision at `rung` on a paused trial: promoted (pending again,
// past the rung) or pruned. `attempt` is the attempt that paused it, so
// replay places the decision after that attempt's records.
struct DecisionRecord {
  TrialId trial = 0;
  std::int64_t rung = 0, attempt = 0;
  bool promoted = false;
};
// Back to pending after an early stop, resumable from `steps`.
struct InterruptRecord {
  TrialId trial = 0;
  std::int64_t steps = 0;
};
struct EventRecord {
  StoreEvent event;
};
// A journal's first record: the sweep its writer ran, by its spec and
// settings hashes (spec_hash.hpp), so `trawl repair` can refuse to rebuild
// results under settings they were not trained with. Applies nothing.
struct SweepRecord {
  std::string spec_hash, settings_hash;
};

struct Record {
  double time = 0;  // when it was made (Unix seconds)
  std::variant<StartRecord, LeaseRecord, EvalRecord, FinishRecord, InterruptRecord, EventRecord, PauseRecord,
               DecisionRecord, SweepRecord>
      body;
};

// The trial a record is about (-1 for an event about the whole sweep, and for a SweepRecord).
TrialId trial_of(const Record& record);
// Moves the record to another trial id (grid growth).
void set_trial(Record& record, TrialId trial);

// Journal fields: kind, time, trial, then the kind's own fields.
std::vector<std::string> encode(const Record& record);
// Every field checked (numbers whole and in range, status in the enum);
// throws Error "<where>: ..." naming what is wrong.
Record decode(const std::vector<std::string>& fields, const std::string& where);

}  // namespace trawl
