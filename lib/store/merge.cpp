// ResultStore::merge_from: what `trawl repair` keeps of a readable file it replaces.
#include <set>
#include <tuple>

#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "store/apply.hpp"
#include "store/grow.hpp"
#include "store/layout.hpp"
#include "store/result_store.hpp"

namespace trawl {

namespace {

// How far a trial got: rungs passed (a promoted trial is pending again); then
// recorded outcome (or paused) > running > pending; then eval points.
std::tuple<std::int64_t, int, std::int64_t> progress(std::int64_t rung, TrialStatus status,
                                                     const std::vector<std::int64_t>& steps, std::size_t row,
                                                     std::size_t columns) {
  const int stage = status == TrialStatus::pending ? 0 : status == TrialStatus::running ? 1 : 2;
  std::int64_t points = 0;
  for (std::size_t c = 0; c < columns; ++c) points += steps[row * columns + c] >= 0 ? 1 : 0;
  return {rung, stage, points};
}

std::vector<std::int64_t> rungs(hid_t file, std::size_t rows) {
  return h5::exists(file, "trials/rung") ? h5::read<std::int64_t>(file, "trials/rung")
                                         : std::vector<std::int64_t>(rows, 0);
}

std::vector<std::int64_t> curve_steps(hid_t file, std::size_t& columns) {
  h5::Dataset d = h5::open_dataset(file, "curves/step");
  const auto shape = h5::shape(d);
  columns = shape.at(1);
  std::vector<std::int64_t> steps(shape.at(0) * columns);
  if (!steps.empty()) h5::read_all(d, H5T_NATIVE_INT64, steps.data());
  return steps;
}

using EventKey = std::tuple<double, std::int64_t, std::string, std::string>;

EventKey key_of(const StoreEvent& e) { return {e.time, e.trial, e.kind, e.message}; }

void append_missing_events(hid_t from, hid_t to) {
  std::set<EventKey> have;
  for (const auto& e : read_event_rows(to)) have.insert(key_of(e));
  for (const auto& e : read_event_rows(from))
    if (!have.count(key_of(e))) apply(to, Record{e.time, EventRecord{e}});
}

}  // namespace

std::size_t ResultStore::merge_from(const std::string& old_path) {
  h5::File old = h5::open_file(old_path, H5F_ACC_RDONLY);
  if (h5::read_integer_attribute(old.get(), "grid_size") != trials_) return 0;
  Access access(path_, true);
  const hid_t now = access.id();
  const std::vector<TrialStatus> old_status = read_statuses(old.get()), new_status = read_statuses(now);
  std::size_t old_columns = 0, new_columns = 0;
  const auto old_steps = curve_steps(old.get(), old_columns), new_steps = curve_steps(now, new_columns);
  const auto rows = static_cast<std::size_t>(trials_);
  const std::vector<std::int64_t> old_rung = rungs(old.get(), rows), new_rung = rungs(now, rows);
  std::vector<std::int64_t> moved(rows, -1);
  std::size_t taken = 0;
  for (std::size_t i = 0; i < moved.size(); ++i) {
    if (progress(old_rung[i], old_status[i], old_steps, i, old_columns) <=
        progress(new_rung[i], new_status[i], new_steps, i, new_columns))
      continue;
    moved[i] = static_cast<std::int64_t>(i);
    ++taken;
  }
  access.begin_changes();
  if (taken) copy_trial_rows(old.get(), now, metrics_, moved, trials_);
  append_missing_events(old.get(), now);
  access.finish();
  return taken;
}

}  // namespace trawl
