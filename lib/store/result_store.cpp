#include "store/result_store.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <tuple>

#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "store/apply.hpp"
#include "store/claim_cursor.hpp"
#include "store/file_lock.hpp"
#include "store/layout.hpp"
#include "store/write_marker.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Whether `trial` is running under `owner`'s claim (read under the lock).
// When this store made that claim, the attempt number it got names the claim
// as well as the owner does (a later claim counts up, and a grid does not
// grow under running trials), and reading it spares the string heap.
bool held_by(hid_t file, TrialId trial, const std::string& owner, std::optional<std::int64_t> attempt) {
  const auto row = static_cast<hsize_t>(trial);
  const auto status = static_cast<TrialStatus>(h5::read_enum_one(file, "trials/status", row, trial_status_names()));
  if (status != TrialStatus::running) return false;
  if (attempt) return h5::read_one<std::int64_t>(file, "trials/attempts", row) == *attempt;
  return h5::read_one<std::string>(file, "trials/owner", row) == owner;
}

// A journal that cannot be written (a full disk) stops the write before the
// results file is touched.
void write_records(Access& access, Journal* journal, const std::vector<Record>& records) {
  if (journal) {
    try {
      for (const auto& record : records) journal->append(encode(record));
    } catch (const StoreWriteError&) {
      throw;
    } catch (const Error& e) {
      throw StoreWriteError(std::string(e.what()) + "; nothing was written to the results file");
    }
  }
  const bool strings = std::any_of(records.begin(), records.end(), [](const Record& r) {
    return std::holds_alternative<StartRecord>(r.body) || std::holds_alternative<EventRecord>(r.body);
  });
  access.begin_changes(strings);
  for (const auto& record : records) apply(access.id(), record);
}

// The records written, then the results file flushed and closed, checked.
void commit(Access& access, Journal* journal, const Record& record) {
  write_records(access, journal, std::vector<Record>{record});
  access.finish();
}

// A metric's value at the eval point of `step` on a trial's curve.
double metric_at_step(hid_t f, TrialId trial, const std::string& metric, std::int64_t step) {
  const auto row = static_cast<hsize_t>(trial);
  const std::vector<std::int64_t> steps = h5::read_row<std::int64_t>(f, "curves/step", row);
  const auto at = std::find(steps.begin(), steps.end(), step);
  if (at == steps.end()) return std::numeric_limits<double>::quiet_NaN();
  return h5::read_row<double>(f, "curves/" + metric, row)[static_cast<std::size_t>(at - steps.begin())];
}

// The records of a claim's rung decisions: each, and its event.
void add_decisions(hid_t f, double time, const std::vector<RungDecision>& decisions, std::vector<Record>& out) {
  for (const auto& d : decisions) {
    const std::int64_t attempt = h5::read_one<std::int64_t>(f, "trials/attempts", static_cast<hsize_t>(d.trial));
    out.push_back(Record{time, DecisionRecord{d.trial, d.rung, attempt, d.promoted}});
    out.push_back(Record{time, EventRecord{StoreEvent{time, d.trial, d.promoted ? "promoted" : "pruned", d.message}}});
  }
}

}  // namespace

void ResultStore::attach_journal(std::shared_ptr<Journal> journal, const SweepRecord& sweep) {
  journal_ = std::move(journal);
  try {
    journal_->append(encode(Record{now(), sweep}));
  } catch (const Error& e) {
    throw StoreWriteError(e.what());
  }
}

ResultStore::ResultStore(std::string path, std::vector<std::string> metrics, std::int64_t trials)
    : path_(std::move(path)), metrics_(std::move(metrics)), trials_(trials) {}

std::string ResultStore::attribute(const std::string& name) const {
  Access access(path_, false);
  return h5::read_string_attribute(access.id(), name);
}

std::optional<RecordedInputs> ResultStore::recorded_inputs() const {
  Access access(path_, false);
  return read_inputs(access.id());
}

std::vector<Constraint> ResultStore::constraints() const {
  Access access(path_, false);
  std::vector<Constraint> constraints;
  if (!h5::has_attribute(access.id(), "constraints")) return constraints;
  for (const auto& text : h5::read_strings_attribute(access.id(), "constraints"))
    constraints.push_back(parse_constraint(text, SourcePos{path_ + " (attribute 'constraints')", 0, 0}));
  return constraints;
}

bool ResultStore::record(const Record& r) {
  {
    Access access(path_, true);
    const TrialId trial = trial_of(r);
    const bool guarded = !writer_.empty() && trial >= 0 && !std::holds_alternative<EventRecord>(r.body);
    if (guarded && !held_by(access.id(), trial, writer_, claimed_attempt(trial, writer_))) return false;
    commit(access, journal_.get(), r);
  }
  const bool outcome = std::holds_alternative<FinishRecord>(r.body) ||
                       std::holds_alternative<InterruptRecord>(r.body) || std::holds_alternative<PauseRecord>(r.body);
  if (outcome) claimed_.erase(trial_of(r));
  sync_journal(outcome);
  return true;
}

std::optional<std::int64_t> ResultStore::claimed_attempt(TrialId trial, const std::string& owner) const {
  const auto found = claimed_.find(trial);
  if (found == claimed_.end() || found->second.owner != owner) return std::nullopt;
  return found->second.attempt;
}

// An outcome (finish, interrupt, pause at a rung) is durable before its
// call returns: redoing it costs training. Claims, eval points, renewals and
// events are made durable with the next outcome, or with the first record
// written a second or more after the last flush, or when the journal closes.
// A node that dies before loses only records its trials' checkpoints make
// again (and leases, which lapse anyway); and many workers' flushes no
// longer hold up the file system under the lock holder (docs/scaling.md).
void ResultStore::sync_journal(bool outcome) {
  if (!journal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!outcome && now - journal_synced_ < std::chrono::seconds(1)) return;
  try {
    journal_->sync();
  } catch (const Error& e) {
    throw StoreWriteError(e.what());
  }
  journal_synced_ = now;
}

std::vector<TrialStatus> ResultStore::statuses() const {
  Access access(path_, false);
  try {
    return read_statuses(access.id());
  } catch (const h5::H5Error& e) {
    throw_damaged(path_, e.what());
  }
}

Claim ResultStore::claim(const Pick& pick, const std::string& owner, double lease_seconds, bool with_rungs) {
  Claim claim = claim_under_lock(pick, owner, lease_seconds, with_rungs);
  sync_journal(!claim.decisions.empty());  // a rung decision is an outcome
  return claim;
}

Claim ResultStore::claim_under_lock(const Pick& pick, const std::string& owner, double lease_seconds,
                                    bool with_rungs) {
  Access access(path_, true);
  const hid_t f = access.id();
  BoardRows rows(trials_, [f](TrialId first, std::int64_t count, std::vector<TrialStatus>& status,
                              std::vector<double>& lease) {
    status = read_statuses(f, static_cast<hsize_t>(first), static_cast<hsize_t>(count));
    lease = h5::read_rows<double>(f, "trials/lease", static_cast<hsize_t>(first), static_cast<hsize_t>(count));
  });
  rows.owner = [f](TrialId t) { return h5::read_one<std::string>(f, "trials/owner", static_cast<hsize_t>(t)); };
  rows.cursor = read_claim_cursor(f);
  if (with_rungs) {
    rows.rung = h5::read<std::int64_t>(f, "trials/rung");
    rows.metric_at = [f](TrialId t, const std::string& metric, std::int64_t step) {
      return metric_at_step(f, t, metric, step);
    };
  }
  const double t = now();
  Claim claim = pick(rows);
  std::vector<Record> records;
  add_decisions(f, t, claim.decisions, records);
  if (claim.trial) {
    const std::int64_t attempt = next_attempt(f, *claim.trial);
    records.push_back(Record{t, StartRecord{*claim.trial, owner, attempt, t + lease_seconds}});
    claimed_[*claim.trial] = ClaimedAttempt{owner, attempt};
  }
  const bool moved = claim.cursor && !(*claim.cursor == rows.cursor);
  if (!records.empty()) write_records(access, journal_.get(), records);
  if (moved) {
    access.begin_changes(false);
    write_claim_cursor(f, *claim.cursor);
  }
  if (!records.empty() || moved) access.finish();
  return claim;
}

bool ResultStore::trial_paused(TrialId trial, std::int64_t steps, std::int64_t rung) {
  return record(Record{now(), PauseRecord{trial, steps, rung}});
}

bool ResultStore::renew(TrialId trial, const std::string& owner, double lease_seconds) {
  {
    Access access(path_, true);
    if (!held_by(access.id(), trial, owner, claimed_attempt(trial, owner))) return false;
    const double t = now();
    commit(access, journal_.get(), Record{t, LeaseRecord{trial, t + lease_seconds}});
  }
  sync_journal(false);
  return true;
}

bool ResultStore::eval_point(TrialId trial, const EvalPoint& point) {
  return record(Record{now(), EvalRecord{trial, point}});
}

bool ResultStore::trial_finished(TrialId trial, const TrialOutcome& outcome, double time) {
  return record(Record{time, FinishRecord{trial, outcome.status, outcome.steps, outcome.best_step, outcome.wall_seconds,
                                   outcome.final_metrics, outcome.best_metrics, outcome.stopped_early,
                                   outcome.trained_by}});
}

bool ResultStore::trial_interrupted(TrialId trial, std::int64_t steps) {
  return record(Record{now(), InterruptRecord{trial, steps}});
}

void ResultStore::event(const StoreEvent& event) { record(Record{event.time, EventRecord{event}}); }

namespace {

// A record placed for replay: its trial's attempt, then its writer's order.
struct Placed {
  Record record;
  TrialId trial;
  std::int64_t attempt;
  const JournalRecord* source;
};

// Each journal's records of a trial belong to the attempt its writer last
// started or claimed (0 before any).
std::vector<Placed> place(const std::vector<JournalRecord>& records) {
  std::vector<Placed> placed;
  std::map<std::pair<std::string, TrialId>, std::int64_t> attempt;
  for (const auto& r : records) {
    Record record = decode(r.fields, r.source + " record " + std::to_string(r.sequence));
    if (std::holds_alternative<SweepRecord>(record.body)) continue;  // checked by repair, applies nothing
    const TrialId trial = trial_of(record);
    if (const auto* start = std::get_if<StartRecord>(&record.body)) attempt[{r.source, trial}] = start->attempt;
    const auto it = attempt.find({r.source, trial});
    std::int64_t of = it == attempt.end() ? 0 : it->second;
    // A decision is written by whichever worker decided: it names the attempt it ends.
    if (const auto* decision = std::get_if<DecisionRecord>(&record.body)) of = decision->attempt;
    placed.push_back(Placed{std::move(record), trial, of, &r});
  }
  return placed;
}

}  // namespace

std::size_t ResultStore::replay(const std::vector<JournalRecord>& records) {
  std::vector<Placed> placed = place(records);
  for (const auto& p : placed)
    if (p.trial >= trials_)
      throw Error(p.source->source + " record " + std::to_string(p.source->sequence) + ": trial " +
                  std::to_string(p.trial) + " is not in this sweep's grid of " + std::to_string(trials_));
  auto key = [](const Placed& p) {
    const bool is_event = std::holds_alternative<EventRecord>(p.record.body);
    const bool is_decision = std::holds_alternative<DecisionRecord>(p.record.body);
    // Events only append to the log: they go last, in the order they were made.
    // A decision follows everything of the attempt it ends (another worker's journal).
    return std::make_tuple(is_event, is_event ? p.record.time : 0.0, p.trial, p.attempt, is_decision,
                           p.source->source, p.source->sequence);
  };
  std::stable_sort(placed.begin(), placed.end(), [&](const Placed& a, const Placed& b) { return key(a) < key(b); });
  Access access(path_, true);
  access.begin_changes();
  for (const auto& p : placed) apply(access.id(), p.record);
  access.finish();
  return placed.size();
}

}  // namespace trawl
