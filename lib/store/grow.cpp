#include "store/grow.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <map>

#include "core/durable_file.hpp"
#include "grid/outcome.hpp"
#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "store/journal.hpp"
#include "store/layout.hpp"
#include "store/paths.hpp"
#include "store/record.hpp"

namespace trawl {

namespace fs = std::filesystem;

std::string growth_mapping(const SweepSpec& before, const Grid& now, std::vector<std::int64_t>& moved) {
  const Grid old(before);
  std::map<std::string, std::int64_t> ids;
  for (std::int64_t j = 0; j < now.size(); ++j) ids.emplace(Grid::identity(now.trial(j)), j);
  moved.assign(static_cast<std::size_t>(old.size()), -1);
  for (std::int64_t i = 0; i < old.size(); ++i) {
    auto it = ids.find(Grid::identity(old.trial(i)));
    if (it == ids.end()) {
      return "trial " + std::to_string(i) + " (" + Grid::label(old.trial(i)) + ") is not in the new grid";
    }
    moved[static_cast<std::size_t>(i)] = it->second;
  }
  return "";
}

namespace {

template <typename T>
void scatter(hid_t from, hid_t to, const std::string& path, hid_t type, const std::vector<std::int64_t>& moved,
             std::int64_t rows) {
  std::vector<T> old(moved.size()), now(static_cast<std::size_t>(rows));
  h5::read_all(h5::open_dataset(from, path), type, old.data());
  h5::Dataset target = h5::open_dataset(to, path);
  h5::read_all(target, type, now.data());
  for (std::size_t i = 0; i < moved.size(); ++i)
    if (moved[i] >= 0) now[static_cast<std::size_t>(moved[i])] = old[i];
  h5::write_rows(target, type, 0, static_cast<hsize_t>(rows), now.data());
}

// Rows of a 2-D table: the target keeps its own rows where moved[i] < 0,
// and grows to the wider of the two tables.
template <typename T>
void scatter_table(hid_t from, hid_t to, const std::string& path, hid_t type, const std::vector<std::int64_t>& moved,
                   std::int64_t rows, T fill) {
  h5::Dataset source = h5::open_dataset(from, path), target = h5::open_dataset(to, path);
  const hsize_t old_columns = h5::shape(source)[1], own_columns = h5::shape(target)[1];
  const hsize_t columns = std::max(old_columns, own_columns);
  std::vector<T> old(moved.size() * old_columns), own(static_cast<std::size_t>(rows) * own_columns);
  std::vector<T> now(static_cast<std::size_t>(rows) * columns, fill);
  if (!old.empty()) h5::read_all(source, type, old.data());
  if (!own.empty()) h5::read_all(target, type, own.data());
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r)
    std::copy_n(own.begin() + static_cast<std::ptrdiff_t>(r * own_columns), own_columns,
                now.begin() + static_cast<std::ptrdiff_t>(r * columns));
  for (std::size_t i = 0; i < moved.size(); ++i) {
    if (moved[i] < 0) continue;
    const auto row = now.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(moved[i]) * columns);
    std::fill(row, row + static_cast<std::ptrdiff_t>(columns), fill);
    std::copy_n(old.begin() + static_cast<std::ptrdiff_t>(i * old_columns), old_columns, row);
  }
  h5::write_matrix(target, type, static_cast<hsize_t>(rows), columns, now.data());
}

// The column holds trial ids: they move with the trials. Left unwritten
// (its fill, -1, costs no space) when no trial says.
void copy_trained_by(hid_t a, hid_t b, const std::vector<std::int64_t>& moved, std::int64_t rows) {
  const std::vector<std::int64_t> old = h5::read<std::int64_t>(a, "trials/trained_by");
  if (std::all_of(old.begin(), old.end(), [](std::int64_t t) { return t < 0; })) return;
  scatter<std::int64_t>(a, b, "trials/trained_by", H5T_NATIVE_INT64, moved, rows);
  std::vector<std::int64_t> ids = h5::read<std::int64_t>(b, "trials/trained_by");
  std::vector<bool> copied(ids.size(), false);
  for (const std::int64_t to : moved)
    if (to >= 0) copied[static_cast<std::size_t>(to)] = true;
  for (std::size_t r = 0; r < ids.size(); ++r)
    if (copied[r] && ids[r] >= 0) ids[r] = moved.at(static_cast<std::size_t>(ids[r]));
  h5::write_rows(h5::open_dataset(b, "trials/trained_by"), H5T_NATIVE_INT64, 0, ids.size(), ids.data());
}

}  // namespace

void copy_trial_rows(hid_t a, hid_t b, const std::vector<std::string>& metrics, const std::vector<std::int64_t>& moved,
                     std::int64_t rows) {
  h5::Datatype status = h5::enum_type(trial_status_names());
  scatter<std::int8_t>(a, b, "trials/status", status.get(), moved, rows);
  for (const char* c : {"trials/attempts", "trials/steps", "trials/best_step"})
    scatter<std::int64_t>(a, b, c, H5T_NATIVE_INT64, moved, rows);
  if (h5::exists(a, "trials/rung")) scatter<std::int64_t>(a, b, "trials/rung", H5T_NATIVE_INT64, moved, rows);
  if (h5::exists(a, "trials/trained_by")) copy_trained_by(a, b, moved, rows);
  if (h5::exists(a, "trials/stopped_early")) {
    h5::Datatype boolean = h5::bool_type();
    scatter<std::int8_t>(a, b, "trials/stopped_early", boolean.get(), moved, rows);
  }
  std::vector<std::string> columns{"trials/started", "trials/finished", "trials/wall_seconds"};
  if (h5::exists(a, "trials/lease")) columns.push_back("trials/lease");
  // A metric the old file predates stays NaN (never measured) in its rows.
  const auto had = [&](const std::string& m) { return h5::exists(a, "curves/" + m); };
  for (const auto& m : metrics) {
    if (!had(m)) continue;
    columns.push_back("trials/final/" + m);
    columns.push_back("trials/best/" + m);
  }
  for (const auto& c : columns) scatter<double>(a, b, c, H5T_NATIVE_DOUBLE, moved, rows);
  const std::vector<std::string> owners = h5::read<std::string>(a, "trials/owner");
  const std::vector<std::string> own = h5::read<std::string>(b, "trials/owner");
  std::vector<const char*> next(static_cast<std::size_t>(rows), "");
  for (std::size_t r = 0; r < own.size() && r < next.size(); ++r) next[r] = own[r].c_str();
  for (std::size_t i = 0; i < moved.size(); ++i)
    if (moved[i] >= 0) next[static_cast<std::size_t>(moved[i])] = owners[i].c_str();
  h5::Datatype text = h5::string_type();
  h5::write_rows(h5::open_dataset(b, "trials/owner"), text.get(), 0, static_cast<hsize_t>(rows), next.data());
  for (const auto& m : metrics)
    if (had(m))
      scatter_table<double>(a, b, "curves/" + m, H5T_NATIVE_DOUBLE, moved, rows,
                            std::numeric_limits<double>::quiet_NaN());
  scatter_table<std::int64_t>(a, b, "curves/step", H5T_NATIVE_INT64, moved, rows, -1);
}

// All of them, appended in one write per column (a log may be long).
void copy_events(hid_t a, hid_t b, const std::vector<std::int64_t>& moved) {
  const std::vector<StoreEvent> events = read_event_rows(a);
  if (events.empty()) return;
  std::vector<double> times;
  std::vector<std::int64_t> trials;
  std::vector<const char*> k, m;
  for (const auto& e : events) {
    times.push_back(e.time);
    trials.push_back(e.trial >= 0 ? moved.at(static_cast<std::size_t>(e.trial)) : e.trial);
    k.push_back(e.kind.c_str());
    m.push_back(e.message.c_str());
  }
  h5::Datatype text = h5::string_type();
  const auto n = static_cast<hsize_t>(times.size());
  h5::append_rows(h5::open_dataset(b, "events/time"), H5T_NATIVE_DOUBLE, n, times.data());
  h5::append_rows(h5::open_dataset(b, "events/trial"), H5T_NATIVE_INT64, n, trials.data());
  h5::append_rows(h5::open_dataset(b, "events/kind"), text.get(), n, k.data());
  h5::append_rows(h5::open_dataset(b, "events/message"), text.get(), n, m.data());
}

namespace {

// Journals: rewritten under the new ids and the grown grid's spec hash, the
// old ones kept aside.
void move_journals(const std::string& dir, const std::vector<std::int64_t>& moved, const std::string& hash) {
  const std::string journals = journal_dir(dir);
  const auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1));
  std::vector<JournalRecord> records = read_journals(journals);
  if (records.empty()) return;
  const std::string archive = journals + "/before-growth-" + stamp;
  fs::create_directories(archive);
  for (const auto& entry : fs::directory_iterator(journals))
    if (entry.path().extension() == ".journal") fs::rename(entry.path(), archive + "/" + entry.path().filename().string());
  Journal grown(journals, "grown-" + stamp);
  for (const auto& r : records) {
    Record record = decode(r.fields, r.source + " record " + std::to_string(r.sequence));
    const TrialId t = trial_of(record);
    if (t >= 0) set_trial(record, moved.at(static_cast<std::size_t>(t)));
    if (auto* sweep = std::get_if<SweepRecord>(&record.body)) sweep->spec_hash = hash;
    grown.append(encode(record));
  }
  grown.sync();
}

// Trial directories (checkpoints, final weights), in two steps so that no
// rename lands on a directory that has yet to move.
void move_trial_dirs(const std::string& dir, const std::vector<std::int64_t>& moved) {
  for (std::size_t i = 0; i < moved.size(); ++i)
    if (fs::exists(trial_dir(dir, static_cast<std::int64_t>(i))))
      fs::rename(trial_dir(dir, static_cast<std::int64_t>(i)), dir + "/trials/.moving-" + std::to_string(i));
  for (std::size_t i = 0; i < moved.size(); ++i)
    if (fs::exists(dir + "/trials/.moving-" + std::to_string(i)))
      fs::rename(dir + "/trials/.moving-" + std::to_string(i), trial_dir(dir, moved[i]));
}

}  // namespace

void grow_results(const std::string& path, const SweepSpec& spec, const Grid& grid,
                  const std::vector<std::string>& metrics, const std::string& hash,
                  const std::vector<std::int64_t>& moved) {
  const std::string dir = spec.results_dir();
  const std::string temporary = path + ".growing." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(temporary, ec);
  {
    h5::File old = h5::open_file(path, H5F_ACC_RDONLY);
    const auto states = h5::read_enum(old.get(), "trials/status", trial_status_names());
    if (std::find(states.begin(), states.end(), static_cast<std::int8_t>(TrialStatus::running)) != states.end())
      throw InputError(path + ": trials are running; stop the sweep's workers before growing its grid");
    create_layout(temporary, spec, grid, metrics, hash, hash_inputs(spec));
    h5::File now = h5::open_file(temporary, H5F_ACC_RDWR);
    copy_trial_rows(old.get(), now.get(), metrics, moved, grid.size());
    copy_events(old.get(), now.get(), moved);
  }
  move_journals(dir, moved, hash);
  move_trial_dirs(dir, moved);
  fs::rename(temporary, path);
  write_file_durably(sweep_copy_in(dir), spec.text);
  write_file_durably(sweep_copy_in(dir) + ".base", spec.base_dir);
}

}  // namespace trawl
