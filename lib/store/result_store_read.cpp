// The reads of ResultStore: every column in bulk, typed and checked.
#include "store/result_store.hpp"

#include <algorithm>
#include <limits>

#include "core/overloaded.hpp"
#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "store/layout.hpp"

namespace trawl {

namespace {

// A params/<axis> column in the type it was declared with.
ParamColumn read_param_column(hid_t file, const std::string& axis) {
  const std::string path = "trials/params/" + axis;
  switch (H5Tget_class(h5::file_type(h5::open_dataset(file, path)).get())) {
    case H5T_STRING: return ParamColumn{axis, h5::read<std::string>(file, path)};
    case H5T_FLOAT: return ParamColumn{axis, h5::read<double>(file, path)};
    case H5T_ENUM: return ParamColumn{axis, h5::read_enum(file, path, {"FALSE", "TRUE"})};
    default: return ParamColumn{axis, h5::read<std::int64_t>(file, path)};
  }
}

// Only the first eval column is read: a step-0 point is always the first.
void read_start_metrics(hid_t f, const std::vector<std::string>& metrics, TrialTable& table) {
  const std::size_t n = table.status.size();
  std::vector<std::int64_t> step(n, -1);
  h5::read_column(h5::open_dataset(f, "curves/step"), H5T_NATIVE_INT64, 0, step.data());
  for (const auto& metric : metrics) {
    std::vector<double> first(n, std::numeric_limits<double>::quiet_NaN());
    h5::read_column(h5::open_dataset(f, "curves/" + metric), H5T_NATIVE_DOUBLE, 0, first.data());
    for (std::size_t i = 0; i < n; ++i)
      if (step[i] != 0) first[i] = std::numeric_limits<double>::quiet_NaN();
    table.start_metrics[metric] = std::move(first);
  }
}

void read_parameters(hid_t f, const TrialColumns& columns, TrialTable& table) {
  if (columns.all_axes) table.seed = h5::read<std::int64_t>(f, "trials/seed");
  for (const auto& axis : h5::read_strings_attribute(f, "axis_names"))
    if (columns.all_axes || std::find(columns.axes.begin(), columns.axes.end(), axis) != columns.axes.end())
      table.params.push_back(read_param_column(f, axis));
}

TrialTable read_table(const std::string& path, const std::vector<std::string>& metrics, const TrialColumns& columns) {
  Access access(path, false);
  hid_t f = access.id();
  TrialTable table;
  table.status = read_statuses(f);
  read_parameters(f, columns, table);
  if (columns.ownership) {
    table.owner = h5::read<std::string>(f, "trials/owner");
    table.attempts = h5::read<std::int64_t>(f, "trials/attempts");
    table.started = h5::read<double>(f, "trials/started");
    table.finished = h5::read<double>(f, "trials/finished");
  }
  table.steps = h5::read<std::int64_t>(f, "trials/steps");
  table.best_step = h5::read<std::int64_t>(f, "trials/best_step");
  // Files made before pruning and patience lack these columns.
  table.rung = h5::exists(f, "trials/rung") ? h5::read<std::int64_t>(f, "trials/rung")
                                            : std::vector<std::int64_t>(table.status.size(), 0);
  table.stopped_early = h5::exists(f, "trials/stopped_early")
                            ? h5::read_enum(f, "trials/stopped_early", {"FALSE", "TRUE"})
                            : std::vector<std::int8_t>(table.status.size(), 0);
  table.trained_by = h5::exists(f, "trials/trained_by") ? h5::read<std::int64_t>(f, "trials/trained_by")
                                                        : std::vector<std::int64_t>(table.status.size(), -1);
  table.wall_seconds = h5::read<double>(f, "trials/wall_seconds");
  for (const auto& metric : metrics) {
    table.final_metrics[metric] = h5::read<double>(f, "trials/final/" + metric);
    table.best_metrics[metric] = h5::read<double>(f, "trials/best/" + metric);
  }
  read_start_metrics(f, metrics, table);
  return table;
}

}  // namespace

Value ParamColumn::at(std::size_t trial) const {
  return std::visit(Overloaded{[&](const std::vector<std::int8_t>& v) { return Value(v[trial] != 0); },
                               [&](const auto& v) { return Value(v[trial]); }},
                    values);
}

TrialTable ResultStore::read_trials(const TrialColumns& columns) const {
  try {
    return read_table(path_, metrics_, columns);
  } catch (const h5::H5Error& e) {
    throw_damaged(path_, e.what());
  }
}

std::vector<StoreEvent> ResultStore::read_events() const {
  try {
    Access access(path_, false);
    return read_event_rows(access.id());
  } catch (const h5::H5Error& e) {
    throw_damaged(path_, e.what());
  }
}

}  // namespace trawl
