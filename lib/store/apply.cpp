#include "store/apply.hpp"

#include "core/overloaded.hpp"
#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "store/claim_cursor.hpp"

namespace trawl {

namespace {

void set_status(hid_t f, TrialId trial, TrialStatus status) {
  h5::write_enum(f, "trials/status", static_cast<hsize_t>(trial), static_cast<std::int8_t>(status),
                 trial_status_names());
}

// A results file made before trawl measured a metric has no column for it:
// the metric is not recorded there (the layout check, run at every open,
// has already found the file's own metrics whole). Growing the grid makes a
// new file that has it.
bool recorded(hid_t f, const std::string& column) { return h5::exists(f, column); }

void apply_start(hid_t f, double time, const StartRecord& r) {
  const auto row = static_cast<hsize_t>(r.trial);
  if (r.lease_until) h5::write_one(f, "trials/lease", row, *r.lease_until);
  h5::write_one(f, "trials/attempts", row, r.attempt);
  set_status(f, r.trial, TrialStatus::running);
  h5::write_one(f, "trials/started", row, time);
  h5::write_one(f, "trials/owner", row, r.owner);
}

void apply_eval(hid_t f, const EvalRecord& r) {
  const auto row = static_cast<hsize_t>(r.trial), column = static_cast<hsize_t>(r.point.index);
  h5::write_cell(h5::open_dataset(f, "curves/step"), H5T_NATIVE_INT64, row, column, &r.point.step);
  for (const auto& [metric, value] : r.point.metrics)
    if (recorded(f, "curves/" + metric))
      h5::write_cell(h5::open_dataset(f, "curves/" + metric), H5T_NATIVE_DOUBLE, row, column, &value);
  h5::write_one(f, "trials/steps", row, r.point.step);
}

void apply_finish(hid_t f, double time, const FinishRecord& r) {
  const auto row = static_cast<hsize_t>(r.trial);
  for (const auto& [metric, value] : r.final_metrics)
    if (recorded(f, "trials/final/" + metric)) h5::write_one(f, "trials/final/" + metric, row, value);
  for (const auto& [metric, value] : r.best_metrics)
    if (recorded(f, "trials/best/" + metric)) h5::write_one(f, "trials/best/" + metric, row, value);
  h5::write_one(f, "trials/best_step", row, r.best_step);
  h5::write_one(f, "trials/steps", row, r.steps);
  h5::write_one(f, "trials/wall_seconds", row, r.wall_seconds);
  h5::write_one(f, "trials/finished", row, time);
  // Only set when true: files made before train.patience have no such column.
  if (r.stopped_early) h5::write_enum(f, "trials/stopped_early", row, 1, {"FALSE", "TRUE"});
  // Files made before evaluation-only axes have no trained_by column.
  if (r.trained_by >= 0 && h5::exists(f, "trials/trained_by"))
    h5::write_one(f, "trials/trained_by", row, r.trained_by);
  // Status last: a reader that sees `done` sees everything else too.
  set_status(f, r.trial, r.status);
}

void apply_pause(hid_t f, const PauseRecord& r) {
  h5::write_one(f, "trials/steps", static_cast<hsize_t>(r.trial), r.steps);
  h5::write_one(f, "trials/rung", static_cast<hsize_t>(r.trial), r.rung);
  set_status(f, r.trial, TrialStatus::paused);
}

// A promoted trial is pending again, past the rung; a pruned one is over.
void apply_decision(hid_t f, double time, const DecisionRecord& r) {
  const auto row = static_cast<hsize_t>(r.trial);
  if (r.promoted) {
    h5::write_one(f, "trials/rung", row, r.rung + 1);
    set_status(f, r.trial, TrialStatus::pending);
    return;
  }
  h5::write_one(f, "trials/rung", row, r.rung);
  h5::write_one(f, "trials/finished", row, time);
  set_status(f, r.trial, TrialStatus::pruned);
}

void apply_event(hid_t f, const StoreEvent& e) {
  h5::Datatype text = h5::string_type();
  const char* kind = e.kind.c_str();
  const char* message = e.message.c_str();
  h5::append_rows(h5::open_dataset(f, "events/time"), H5T_NATIVE_DOUBLE, 1, &e.time);
  h5::append_rows(h5::open_dataset(f, "events/trial"), H5T_NATIVE_INT64, 1, &e.trial);
  h5::append_rows(h5::open_dataset(f, "events/kind"), text.get(), 1, &kind);
  h5::append_rows(h5::open_dataset(f, "events/message"), text.get(), 1, &message);
}

}  // namespace

void apply(hid_t f, const Record& record) {
  std::visit(Overloaded{
                 [&](const StartRecord& r) { apply_start(f, record.time, r); },
                 [&](const LeaseRecord& r) {
                   h5::write_one(f, "trials/lease", static_cast<hsize_t>(r.trial), r.lease_until);
                 },
                 [&](const EvalRecord& r) { apply_eval(f, r); },
                 [&](const FinishRecord& r) { apply_finish(f, record.time, r); },
                 [&](const InterruptRecord& r) {
                   h5::write_one(f, "trials/steps", static_cast<hsize_t>(r.trial), r.steps);
                   set_status(f, r.trial, TrialStatus::pending);
                   lower_claim_cursor(f, r.trial);
                 },
                 [&](const EventRecord& r) { apply_event(f, r.event); },
                 [&](const PauseRecord& r) { apply_pause(f, r); },
                 [&](const DecisionRecord& r) { apply_decision(f, record.time, r); },
                 [](const SweepRecord&) {},
             },
             record.body);
}

std::int64_t next_attempt(hid_t f, TrialId trial) {
  return h5::read_one<std::int64_t>(f, "trials/attempts", static_cast<hsize_t>(trial)) + 1;
}

}  // namespace trawl
