#include "store/result_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "core/durable_file.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "h5/io.hpp"
#include "spec/parse.hpp"
#include "spec/schema.hpp"
#include "spec/spec_diff.hpp"
#include "spec/spec_hash.hpp"
#include "store/file_lock.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr hsize_t write_block = 65536;

h5::Datatype status_type() { return h5::enum_type(trial_status_names()); }

// Opens a results file for reading, saying what to do when it is damaged.
h5::File open_checked(const std::string& path) {
  try {
    h5::File file = h5::open_file(path, H5F_ACC_RDONLY);
    h5::read_string_attribute(file.get(), "spec_hash");
    return file;
  } catch (const h5::H5Error& e) {
    throw DamagedResults(path + " is damaged and cannot be read (" + e.what() + "); rebuild it from the journals with: trawl repair " +
                         fs::path(path).parent_path().string());
  }
}

// Holds the sidecar lock and the open file for one read or write.
struct Access {
  FileLock lock;
  h5::File file;
  Access(const std::string& path, bool write)
      : lock(lock_path_for(path), write ? FileLock::Mode::exclusive : FileLock::Mode::shared),
        file(h5::open_file(path, write ? H5F_ACC_RDWR : H5F_ACC_RDONLY)) {}
  hid_t id() const { return file.get(); }
};

void write_one(hid_t file, const std::string& path, hid_t type, hsize_t row, const void* value) {
  h5::write_rows(h5::open_dataset(file, path), type, row, 1, value);
}

void write_string(hid_t file, const std::string& path, hsize_t row, const std::string& value) {
  h5::Datatype type = h5::string_type();
  const char* text = value.c_str();
  write_one(file, path, type.get(), row, &text);
}

template <typename T>
std::vector<T> read_column(hid_t file, const std::string& path, hid_t mem_type, std::int64_t rows) {
  std::vector<T> values(static_cast<std::size_t>(rows));
  h5::read_all(h5::open_dataset(file, path), mem_type, values.data());
  return values;
}

// A params/<axis> column as values of the type it was declared with.
std::vector<Value> read_values(hid_t file, const std::string& path, std::int64_t rows) {
  h5::Dataset dataset = h5::open_dataset(file, path);
  h5::Datatype type = h5::file_type(dataset);
  std::vector<Value> values;
  values.reserve(static_cast<std::size_t>(rows));
  switch (H5Tget_class(type.get())) {
    case H5T_STRING:
      for (auto& text : h5::read_strings(dataset)) values.emplace_back(std::move(text));
      break;
    case H5T_FLOAT:
      for (double v : read_column<double>(file, path, H5T_NATIVE_DOUBLE, rows)) values.emplace_back(v);
      break;
    case H5T_ENUM: {
      h5::Datatype bools = h5::bool_type();
      for (std::int8_t v : read_column<std::int8_t>(file, path, bools.get(), rows)) values.emplace_back(v != 0);
      break;
    }
    default:
      for (std::int64_t v : read_column<std::int64_t>(file, path, H5T_NATIVE_INT64, rows)) values.emplace_back(v);
  }
  return values;
}

// Writes params/<axis> for every trial, a block of rows at a time.
void write_params(hid_t file, const Grid& grid) {
  const std::int64_t n = grid.size();
  h5::Datatype string_type = h5::string_type();
  h5::Datatype bool_type = h5::bool_type();
  for (std::size_t d = 0; d < grid.dimensions().size(); ++d) {
    for (const auto& axis : grid.dimensions()[d].axes) {
      ValueType type = type_of(axis.values.front());
      hid_t file_type = type == ValueType::integer ? H5T_STD_I64LE
                        : type == ValueType::real  ? H5T_IEEE_F64LE
                        : type == ValueType::string ? string_type.get()
                                                    : bool_type.get();
      h5::Dataset dataset = h5::create_column(file, "trials/params/" + axis.key, file_type,
                                              static_cast<hsize_t>(n), nullptr);
      for (std::int64_t first = 0; first < n; first += write_block) {
        hsize_t count = static_cast<hsize_t>(std::min<std::int64_t>(write_block, n - first));
        std::vector<std::int64_t> ints;
        std::vector<double> reals;
        std::vector<const char*> texts;
        std::vector<std::int8_t> bools;
        for (hsize_t k = 0; k < count; ++k) {
          const Value& v = axis.values[grid.position(first + static_cast<std::int64_t>(k)).index[d]];
          switch (type) {
            case ValueType::integer: ints.push_back(std::get<std::int64_t>(v)); break;
            case ValueType::real: reals.push_back(std::get<double>(v)); break;
            case ValueType::string: texts.push_back(std::get<std::string>(v).c_str()); break;
            case ValueType::boolean: bools.push_back(std::get<bool>(v) ? 1 : 0); break;
          }
        }
        const void* data = type == ValueType::integer ? static_cast<const void*>(ints.data())
                           : type == ValueType::real  ? static_cast<const void*>(reals.data())
                           : type == ValueType::string ? static_cast<const void*>(texts.data())
                                                       : static_cast<const void*>(bools.data());
        hid_t mem_type = type == ValueType::integer ? H5T_NATIVE_INT64
                         : type == ValueType::real  ? H5T_NATIVE_DOUBLE
                         : type == ValueType::string ? string_type.get()
                                                     : bool_type.get();
        h5::write_rows(dataset, mem_type, static_cast<hsize_t>(first), count, data);
      }
    }
  }
}

void create_layout(const std::string& path, const SweepSpec& spec, const Grid& grid,
                   const std::vector<std::string>& metrics, const std::string& spec_hash) {
  h5::File file = h5::create_file(path);
  hid_t f = file.get();
  const hsize_t n = static_cast<hsize_t>(grid.size());

  h5::write_attribute(f, "trawl_version", std::string(version()));
  h5::write_attribute(f, "sweep_file", spec.text);
  h5::write_attribute(f, "sweep_path", spec.path);
  h5::write_attribute(f, "spec_hash", spec_hash);
  h5::write_attribute(f, "grid_size", static_cast<std::int64_t>(grid.size()));
  h5::write_attribute(f, "axis_names", grid.axis_names());
  h5::write_attribute(f, "metric", spec.string("sweep.metric"));
  h5::write_attribute(f, "mode", spec.string("sweep.mode"));
  h5::write_attribute(f, "metrics", metrics);
  h5::write_attribute(f, "status_names", trial_status_names());

  {
    h5::Dataset ids = h5::create_column(f, "trials/id", H5T_STD_I64LE, n, nullptr);
    h5::Dataset seeds = h5::create_column(f, "trials/seed", H5T_STD_I64LE, n, nullptr);
    for (hsize_t first = 0; first < n; first += write_block) {
      hsize_t count = std::min(write_block, n - first);
      std::vector<std::int64_t> id(count), seed(count);
      for (hsize_t k = 0; k < count; ++k) {
        id[k] = static_cast<std::int64_t>(first + k);
        seed[k] = grid.seeds()[grid.position(id[k]).seed_index];
      }
      h5::write_rows(ids, H5T_NATIVE_INT64, first, count, id.data());
      h5::write_rows(seeds, H5T_NATIVE_INT64, first, count, seed.data());
    }
  }
  h5::Datatype status = status_type();
  std::int8_t pending = static_cast<std::int8_t>(TrialStatus::pending);
  h5::create_column(f, "trials/status", status.get(), n, &pending);
  std::int64_t zero = 0, minus_one = -1;
  h5::create_column(f, "trials/attempts", H5T_STD_I64LE, n, &zero);
  h5::create_column(f, "trials/steps", H5T_STD_I64LE, n, &zero);
  h5::create_column(f, "trials/best_step", H5T_STD_I64LE, n, &minus_one);
  h5::Datatype text = h5::string_type();
  h5::create_column(f, "trials/owner", text.get(), n, nullptr);
  for (const char* column : {"started", "finished", "wall_seconds", "lease"})
    h5::create_column(f, std::string("trials/") + column, H5T_IEEE_F64LE, n, &nan);
  for (const auto& metric : metrics) {
    h5::create_column(f, "trials/final/" + metric, H5T_IEEE_F64LE, n, &nan);
    h5::create_column(f, "trials/best/" + metric, H5T_IEEE_F64LE, n, &nan);
    h5::create_growing_table(f, "curves/" + metric, H5T_IEEE_F64LE, n, 0, &nan);
  }
  h5::create_growing_table(f, "curves/step", H5T_STD_I64LE, n, 0, &minus_one);
  write_params(f, grid);

  h5::create_log_column(f, "events/time", H5T_IEEE_F64LE);
  h5::create_log_column(f, "events/trial", H5T_STD_I64LE);
  h5::create_log_column(f, "events/kind", text.get());
  h5::create_log_column(f, "events/message", text.get());
  h5::check(H5Fflush(f, H5F_SCOPE_GLOBAL), "flush " + path);
}

}  // namespace

std::string lock_path_for(const std::string& results_file) { return results_file + ".lock"; }

std::string sweep_copy_in(const std::string& results_dir) { return results_dir + "/sweep.toml"; }
std::string journal_dir(const std::string& results_dir) { return results_dir + "/journal"; }
std::string trial_dir(const std::string& results_dir, std::int64_t trial) {
  return results_dir + "/trials/" + std::to_string(trial);
}

std::string results_file_in(const std::string& where) {
  if (fs::is_directory(where)) return (fs::path(where) / "results.h5").string();
  return where;
}

namespace {

// old id → new id for every trial of `before`'s grid, by parameter identity;
// returns why not when the new grid lacks one of them ("" when it has all).
std::string growth_mapping(const SweepSpec& before, const Grid& now, std::vector<std::int64_t>& moved) {
  const Grid old(before);
  std::map<std::string, std::int64_t> ids;
  for (std::int64_t j = 0; j < now.size(); ++j) ids.emplace(Grid::identity(now.trial(j)), j);
  moved.assign(static_cast<std::size_t>(old.size()), -1);
  for (std::int64_t i = 0; i < old.size(); ++i) {
    auto it = ids.find(Grid::identity(old.trial(i)));
    if (it == ids.end()) {
      std::string who = Grid::identity(old.trial(i));
      std::replace(who.begin(), who.end(), '\x1f', ' ');
      return "trial " + std::to_string(i) + " (" + who + ") is not in the new grid";
    }
    moved[static_cast<std::size_t>(i)] = it->second;
  }
  return "";
}

template <typename T>
void scatter(hid_t from, hid_t to, const std::string& path, hid_t type, const std::vector<std::int64_t>& moved,
             std::int64_t rows) {
  std::vector<T> old(moved.size()), now(static_cast<std::size_t>(rows));
  h5::read_all(h5::open_dataset(from, path), type, old.data());
  h5::Dataset target = h5::open_dataset(to, path);
  h5::read_all(target, type, now.data());
  for (std::size_t i = 0; i < moved.size(); ++i) now[static_cast<std::size_t>(moved[i])] = old[i];
  h5::write_rows(target, type, 0, static_cast<hsize_t>(rows), now.data());
}

template <typename T>
void scatter_table(hid_t from, hid_t to, const std::string& path, hid_t type, const std::vector<std::int64_t>& moved,
                   std::int64_t rows, T fill) {
  h5::Dataset source = h5::open_dataset(from, path);
  const hsize_t columns = h5::shape(source)[1];
  std::vector<T> old(moved.size() * columns), now(static_cast<std::size_t>(rows) * columns, fill);
  if (!old.empty()) h5::read_all(source, type, old.data());
  for (std::size_t i = 0; i < moved.size(); ++i)
    std::copy_n(old.begin() + static_cast<std::ptrdiff_t>(i * columns), columns,
                now.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(moved[i]) * columns));
  h5::write_matrix(h5::open_dataset(to, path), type, static_cast<hsize_t>(rows), columns, now.data());
}

// Rebuilds the results file for a grown grid, keeping every recorded trial
// under its new id: rows, curves, events, checkpoints and journals move.
void grow_results(const std::string& path, const SweepSpec& spec, const Grid& grid,
                  const std::vector<std::string>& metrics, const std::string& hash,
                  const std::vector<std::int64_t>& moved) {
  const std::string dir = spec.results_dir();
  const std::int64_t rows = grid.size();
  const std::string temporary = path + ".growing." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(temporary, ec);
  {
    h5::File old = h5::open_file(path, H5F_ACC_RDONLY);
    h5::Datatype status = status_type();
    std::vector<TrialStatus> states(moved.size());
    h5::read_all(h5::open_dataset(old.get(), "trials/status"), status.get(), states.data());
    if (std::find(states.begin(), states.end(), TrialStatus::running) != states.end())
      throw InputError(path + ": trials are running; stop the sweep's workers before growing its grid");
    create_layout(temporary, spec, grid, metrics, hash);
    h5::File now = h5::open_file(temporary, H5F_ACC_RDWR);
    hid_t a = old.get(), b = now.get();
    scatter<std::int8_t>(a, b, "trials/status", status.get(), moved, rows);
    for (const char* c : {"trials/attempts", "trials/steps", "trials/best_step"})
      scatter<std::int64_t>(a, b, c, H5T_NATIVE_INT64, moved, rows);
    std::vector<std::string> columns{"trials/started", "trials/finished", "trials/wall_seconds"};
    if (h5::exists(a, "trials/lease")) columns.push_back("trials/lease");
    for (const auto& m : metrics) {
      columns.push_back("trials/final/" + m);
      columns.push_back("trials/best/" + m);
    }
    for (const auto& c : columns) scatter<double>(a, b, c, H5T_NATIVE_DOUBLE, moved, rows);
    {
      std::vector<std::string> owners = h5::read_strings(h5::open_dataset(a, "trials/owner"));
      std::vector<std::string> next(static_cast<std::size_t>(rows));
      for (std::size_t i = 0; i < moved.size(); ++i) next[static_cast<std::size_t>(moved[i])] = owners[i];
      std::vector<const char*> texts;
      for (const auto& o : next) texts.push_back(o.c_str());
      h5::Datatype text = h5::string_type();
      h5::write_rows(h5::open_dataset(b, "trials/owner"), text.get(), 0, static_cast<hsize_t>(rows), texts.data());
    }
    for (const auto& m : metrics)
      scatter_table<double>(a, b, "curves/" + m, H5T_NATIVE_DOUBLE, moved, rows,
                            std::numeric_limits<double>::quiet_NaN());
    scatter_table<std::int64_t>(a, b, "curves/step", H5T_NATIVE_INT64, moved, rows, -1);
    h5::Dataset event_time = h5::open_dataset(a, "events/time");
    const auto events = static_cast<std::int64_t>(h5::shape(event_time)[0]);
    if (events > 0) {
      std::vector<double> times(static_cast<std::size_t>(events));
      std::vector<std::int64_t> trials(static_cast<std::size_t>(events));
      h5::read_all(event_time, H5T_NATIVE_DOUBLE, times.data());
      h5::read_all(h5::open_dataset(a, "events/trial"), H5T_NATIVE_INT64, trials.data());
      for (auto& t : trials) t = t >= 0 ? moved[static_cast<std::size_t>(t)] : t;
      auto kinds = h5::read_strings(h5::open_dataset(a, "events/kind"));
      auto messages = h5::read_strings(h5::open_dataset(a, "events/message"));
      std::vector<const char*> k, m;
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        k.push_back(kinds[i].c_str());
        m.push_back(messages[i].c_str());
      }
      h5::Datatype text = h5::string_type();
      const auto n = static_cast<hsize_t>(events);
      h5::append_rows(h5::open_dataset(b, "events/time"), H5T_NATIVE_DOUBLE, n, times.data());
      h5::append_rows(h5::open_dataset(b, "events/trial"), H5T_NATIVE_INT64, n, trials.data());
      h5::append_rows(h5::open_dataset(b, "events/kind"), text.get(), n, k.data());
      h5::append_rows(h5::open_dataset(b, "events/message"), text.get(), n, m.data());
    }
  }
  // Journals: rewritten under the new ids, the old ones kept aside.
  const std::string journals = journal_dir(dir);
  const auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1));
  std::vector<JournalRecord> records = read_journals(journals);
  if (!records.empty()) {
    const std::string archive = journals + "/before-growth-" + stamp;
    fs::create_directories(archive);
    for (const auto& entry : fs::directory_iterator(journals))
      if (entry.path().extension() == ".journal") fs::rename(entry.path(), archive + "/" + entry.path().filename().string());
    Journal grown(journals, "grown-" + stamp);
    for (auto& r : records) {
      const std::int64_t t = std::strtoll(r.fields.at(2).c_str(), nullptr, 10);
      if (t >= 0) r.fields[2] = std::to_string(moved.at(static_cast<std::size_t>(t)));
      grown.append(r.fields);
    }
  }
  // Trial directories (checkpoints, final weights), in two steps so that no
  // rename lands on a directory that has yet to move.
  for (std::size_t i = 0; i < moved.size(); ++i)
    if (fs::exists(trial_dir(dir, static_cast<std::int64_t>(i))))
      fs::rename(trial_dir(dir, static_cast<std::int64_t>(i)), dir + "/trials/.moving-" + std::to_string(i));
  for (std::size_t i = 0; i < moved.size(); ++i)
    if (fs::exists(dir + "/trials/.moving-" + std::to_string(i)))
      fs::rename(dir + "/trials/.moving-" + std::to_string(i), trial_dir(dir, moved[i]));
  fs::rename(temporary, path);
  write_file_durably(sweep_copy_in(dir), spec.text);
  write_file_durably(sweep_copy_in(dir) + ".base", spec.base_dir);
}

}  // namespace

ResultStore::ResultStore(std::string path, std::vector<std::string> metrics, std::int64_t trials)
    : path_(std::move(path)), metrics_(std::move(metrics)), trials_(trials) {}

ResultStore ResultStore::open_or_create(const SweepSpec& spec, const Grid& grid,
                                        const std::vector<std::string>& metrics, const std::string& spec_hash) {
  const std::string path = spec.results_file();
  std::error_code ec;
  fs::create_directories(spec.results_dir(), ec);
  if (ec) throw Error("cannot create sweep directory '" + spec.results_dir() + "': " + ec.message());
  FileLock lock(lock_path_for(path), FileLock::Mode::exclusive);
  if (!fs::exists(path)) {
    // Built under a temporary name and renamed, so a crash mid-way leaves no
    // half-made results file behind.
    std::string temporary = path + ".creating." + std::to_string(::getpid());
    fs::remove(temporary, ec);
    try {
      create_layout(temporary, spec, grid, metrics, spec_hash);
    } catch (...) {
      fs::remove(temporary, ec);
      throw;
    }
    fs::rename(temporary, path);
    // The sweep file and where its relative paths point, for `trawl repair`.
    write_file_durably(sweep_copy_in(spec.results_dir()), spec.text);
    write_file_durably(sweep_copy_in(spec.results_dir()) + ".base", spec.base_dir);
    return ResultStore(path, metrics, grid.size());
  }
  h5::File file = open_checked(path);
  std::string recorded = h5::read_string_attribute(file.get(), "spec_hash");
  if (recorded != spec_hash) {
    std::string changes, refusal;
    try {
      const SweepSpec before = parse_sweep_text(h5::read_string_attribute(file.get(), "sweep_file"),
                                                spec.path + " (as recorded)", spec.base_dir);
      for (const auto& change : spec_differences(before, spec)) changes += "\n  " + change;
      if (settings_hash(before) == settings_hash(spec)) {
        // Only the grid changed: grow it if every trial recorded so far is still in it.
        std::vector<std::int64_t> moved;
        refusal = growth_mapping(before, grid, moved);
        if (refusal.empty()) {
          file.reset();
          grow_results(path, spec, grid, metrics, spec_hash, moved);
          return ResultStore(path, metrics, grid.size());
        }
      }
    } catch (const InputError&) {
      throw;
    } catch (const std::exception&) {
      // The recorded file no longer parses (another trawl version): no details then.
    }
    throw InputError(path + " was made by a different sweep file (spec hash " + recorded + ", this one " +
                     spec_hash + "); the results would not be comparable. Use another sweep.dir, or "
                     "restore the sweep file it was made with (its text is the file's sweep_file attribute)." +
                     (changes.empty() ? std::string() : "\nWhat changed:" + changes) +
                     (refusal.empty() ? std::string() : "\nA grid may grow, but " + refusal));
  }
  return ResultStore(path, h5::read_strings_attribute(file.get(), "metrics"),
                     h5::read_integer_attribute(file.get(), "grid_size"));
}

ResultStore ResultStore::open_existing(const std::string& path) {
  if (!fs::exists(path)) throw InputError(path + ": no results file here");
  FileLock lock(lock_path_for(path), FileLock::Mode::shared);
  h5::File file = open_checked(path);
  return ResultStore(path, h5::read_strings_attribute(file.get(), "metrics"),
                     h5::read_integer_attribute(file.get(), "grid_size"));
}

std::string ResultStore::attribute(const std::string& name) const {
  Access access(path_, false);
  return h5::read_string_attribute(access.id(), name);
}

namespace {

std::string number(double v) { return format_double(v); }
std::string now_text() {
  return number(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}
double real(const std::string& text) { return std::strtod(text.c_str(), nullptr); }
std::int64_t integer(const std::string& text) { return std::strtoll(text.c_str(), nullptr, 10); }

void add_metrics(std::vector<std::string>& fields, const std::map<std::string, double>& metrics) {
  fields.push_back(std::to_string(metrics.size()));
  for (const auto& [name, value] : metrics) {
    fields.push_back(name);
    fields.push_back(number(value));
  }
}

std::map<std::string, double> take_metrics(const std::vector<std::string>& fields, std::size_t& at) {
  std::map<std::string, double> metrics;
  const auto n = static_cast<std::size_t>(integer(fields.at(at++)));
  for (std::size_t i = 0; i < n; ++i, at += 2) metrics[fields.at(at)] = real(fields.at(at + 1));
  return metrics;
}

}  // namespace

namespace {

// The attempt a start or claim makes, read under the lock so the journal holds it.
std::int64_t next_attempt(hid_t f, std::int64_t trial) {
  std::int64_t attempts = 0;
  h5::read_rows(h5::open_dataset(f, "trials/attempts"), H5T_NATIVE_INT64, static_cast<hsize_t>(trial), 1, &attempts);
  return attempts + 1;
}

}  // namespace

void ResultStore::record(std::vector<std::string> fields) {
  Access access(path_, true);
  if (fields[0] == "start") fields.push_back(std::to_string(next_attempt(access.id(), integer(fields[2]))));
  commit(access.id(), fields);
}

void ResultStore::commit(hid_t f, const std::vector<std::string>& fields) {
  if (journal_) journal_->append(fields);
  apply(f, fields);
}

// Every record kind: its fields (after the kind and the time) and its writes.
void ResultStore::apply(hid_t f, const std::vector<std::string>& fields) {
  const std::string& kind = fields.at(0);
  const auto row = static_cast<hsize_t>(integer(fields.at(2)));
  h5::Datatype status_enum = status_type();
  if (kind == "start" || kind == "claim") {  // trial owner attempts [lease]
    const double time = real(fields.at(1));
    if (kind == "claim") {
      const double lease = real(fields.at(5));
      write_one(f, "trials/lease", H5T_NATIVE_DOUBLE, row, &lease);
    }
    const std::int64_t attempts = integer(fields.at(4));
    auto running = static_cast<std::int8_t>(TrialStatus::running);
    write_one(f, "trials/attempts", H5T_NATIVE_INT64, row, &attempts);
    write_one(f, "trials/status", status_enum.get(), row, &running);
    write_one(f, "trials/started", H5T_NATIVE_DOUBLE, row, &time);
    write_string(f, "trials/owner", row, fields.at(3));
  } else if (kind == "lease") {  // trial lease
    const double lease = real(fields.at(3));
    write_one(f, "trials/lease", H5T_NATIVE_DOUBLE, row, &lease);
  } else if (kind == "eval") {  // trial index step n (metric value)*
    const auto column = static_cast<hsize_t>(integer(fields.at(3)));
    const std::int64_t step = integer(fields.at(4));
    std::size_t at = 5;
    h5::write_cell(h5::open_dataset(f, "curves/step"), H5T_NATIVE_INT64, row, column, &step);
    for (const auto& [metric, value] : take_metrics(fields, at))
      h5::write_cell(h5::open_dataset(f, "curves/" + metric), H5T_NATIVE_DOUBLE, row, column, &value);
    write_one(f, "trials/steps", H5T_NATIVE_INT64, row, &step);
  } else if (kind == "finish") {  // trial status steps wall best_step final best
    const double time = real(fields.at(1));
    const auto status = static_cast<std::int8_t>(integer(fields.at(3)));
    const std::int64_t steps = integer(fields.at(4)), best_step = integer(fields.at(6));
    const double wall = real(fields.at(5));
    std::size_t at = 7;
    for (const auto& [metric, value] : take_metrics(fields, at))
      write_one(f, "trials/final/" + metric, H5T_NATIVE_DOUBLE, row, &value);
    for (const auto& [metric, value] : take_metrics(fields, at))
      write_one(f, "trials/best/" + metric, H5T_NATIVE_DOUBLE, row, &value);
    write_one(f, "trials/best_step", H5T_NATIVE_INT64, row, &best_step);
    write_one(f, "trials/steps", H5T_NATIVE_INT64, row, &steps);
    write_one(f, "trials/wall_seconds", H5T_NATIVE_DOUBLE, row, &wall);
    write_one(f, "trials/finished", H5T_NATIVE_DOUBLE, row, &time);
    // Status last: a reader that sees `done` sees everything else too.
    write_one(f, "trials/status", status_enum.get(), row, &status);
  } else if (kind == "interrupt") {  // trial steps
    const std::int64_t steps = integer(fields.at(3));
    auto pending = static_cast<std::int8_t>(TrialStatus::pending);
    write_one(f, "trials/steps", H5T_NATIVE_INT64, row, &steps);
    write_one(f, "trials/status", status_enum.get(), row, &pending);
  } else if (kind == "event") {  // trial kind message
    const double time = real(fields.at(1));
    const std::int64_t trial = integer(fields.at(2));
    h5::Datatype text = h5::string_type();
    const char* event_kind = fields.at(3).c_str();
    const char* message = fields.at(4).c_str();
    h5::append_rows(h5::open_dataset(f, "events/time"), H5T_NATIVE_DOUBLE, 1, &time);
    h5::append_rows(h5::open_dataset(f, "events/trial"), H5T_NATIVE_INT64, 1, &trial);
    h5::append_rows(h5::open_dataset(f, "events/kind"), text.get(), 1, &event_kind);
    h5::append_rows(h5::open_dataset(f, "events/message"), text.get(), 1, &message);
  } else {
    throw Error("unknown journal record '" + kind + "'");
  }
}

ResultStore::Claim ResultStore::claim_next(const std::string& owner, double lease_seconds, bool retry_failed) {
  Access access(path_, true);
  hid_t f = access.id();
  h5::Datatype status_enum = status_type();
  const auto status = read_column<TrialStatus>(f, "trials/status", status_enum.get(), trials_);
  const auto lease = read_column<double>(f, "trials/lease", H5T_NATIVE_DOUBLE, trials_);
  const double now = real(now_text());
  Claim claim;
  for (std::int64_t i = 0; i < trials_; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const bool expired = status[k] == TrialStatus::running && !(lease[k] > now);
    const bool retry = retry_failed && (status[k] == TrialStatus::failed || status[k] == TrialStatus::diverged);
    if (status[k] == TrialStatus::pending || expired || retry) {
      commit(f, {"claim", number(now), std::to_string(i), owner, std::to_string(next_attempt(f, i)),
                 number(now + lease_seconds)});
      claim.trial = i;
      return claim;
    }
    if (status[k] == TrialStatus::running) {
      const double left = lease[k] - now;
      claim.wait = claim.wait == 0 ? left : std::min(claim.wait, left);
    }
  }
  return claim;
}

bool ResultStore::renew_lease(TrialId trial, const std::string& owner, double lease_seconds) {
  Access access(path_, true);
  hid_t f = access.id();
  const auto row = static_cast<hsize_t>(trial);
  h5::Datatype status_enum = status_type();
  TrialStatus status;
  h5::read_rows(h5::open_dataset(f, "trials/status"), status_enum.get(), row, 1, &status);
  h5::Datatype text = h5::string_type();
  char* raw = nullptr;
  h5::read_rows(h5::open_dataset(f, "trials/owner"), text.get(), row, 1, &raw);
  const std::string holder = raw ? raw : "";
  H5free_memory(raw);
  if (status != TrialStatus::running || holder != owner) return false;
  const std::string now = now_text();
  commit(f, {"lease", now, std::to_string(trial), number(real(now) + lease_seconds)});
  return true;
}

void ResultStore::trial_started(TrialId trial, const std::string& owner, double time) {
  record({"start", number(time), std::to_string(trial), owner});
}

void ResultStore::eval_point(TrialId trial, const EvalPoint& point) {
  std::vector<std::string> fields{"eval", now_text(), std::to_string(trial), std::to_string(point.index),
                                  std::to_string(point.step)};
  add_metrics(fields, point.metrics);
  record(std::move(fields));
}

void ResultStore::trial_finished(TrialId trial, const TrialOutcome& outcome, double time) {
  std::vector<std::string> fields{"finish", number(time), std::to_string(trial),
                                  std::to_string(static_cast<int>(outcome.status)), std::to_string(outcome.steps),
                                  number(outcome.wall_seconds), std::to_string(outcome.best_step)};
  add_metrics(fields, outcome.final_metrics);
  add_metrics(fields, outcome.best_metrics);
  record(std::move(fields));
}

void ResultStore::trial_interrupted(TrialId trial, std::int64_t steps) {
  record({"interrupt", now_text(), std::to_string(trial), std::to_string(steps)});
}

void ResultStore::event(const StoreEvent& event) {
  record({"event", number(event.time), std::to_string(event.trial), event.kind, event.message});
}

std::size_t ResultStore::replay(std::vector<JournalRecord> records) {
  // Every record carries the time it was made; a trial is worked by one
  // worker at a time, so time orders its records across journals.
  std::stable_sort(records.begin(), records.end(), [](const JournalRecord& a, const JournalRecord& b) {
    const double ta = real(a.fields.at(1)), tb = real(b.fields.at(1));
    if (ta != tb) return ta < tb;
    return a.source != b.source ? a.source < b.source : a.index < b.index;
  });
  Access access(path_, true);
  for (const auto& r : records) apply(access.id(), r.fields);
  return records.size();
}

std::vector<TrialStatus> ResultStore::statuses() const {
  Access access(path_, false);
  h5::Datatype status = status_type();
  return read_column<TrialStatus>(access.id(), "trials/status", status.get(), trials_);
}

TrialTable ResultStore::read_trials() const {
  Access access(path_, false);
  hid_t f = access.id();
  TrialTable table;
  h5::Datatype status = status_type();
  table.status = read_column<TrialStatus>(f, "trials/status", status.get(), trials_);
  table.seed = read_column<std::int64_t>(f, "trials/seed", H5T_NATIVE_INT64, trials_);
  for (const auto& axis : h5::read_strings_attribute(f, "axis_names"))
    table.params.emplace_back(axis, read_values(f, "trials/params/" + axis, trials_));
  table.owner = h5::read_strings(h5::open_dataset(f, "trials/owner"));
  table.attempts = read_column<std::int64_t>(f, "trials/attempts", H5T_NATIVE_INT64, trials_);
  table.steps = read_column<std::int64_t>(f, "trials/steps", H5T_NATIVE_INT64, trials_);
  table.best_step = read_column<std::int64_t>(f, "trials/best_step", H5T_NATIVE_INT64, trials_);
  table.started = read_column<double>(f, "trials/started", H5T_NATIVE_DOUBLE, trials_);
  table.finished = read_column<double>(f, "trials/finished", H5T_NATIVE_DOUBLE, trials_);
  table.wall_seconds = read_column<double>(f, "trials/wall_seconds", H5T_NATIVE_DOUBLE, trials_);
  for (const auto& metric : metrics_) {
    table.final_metrics[metric] = read_column<double>(f, "trials/final/" + metric, H5T_NATIVE_DOUBLE, trials_);
    table.best_metrics[metric] = read_column<double>(f, "trials/best/" + metric, H5T_NATIVE_DOUBLE, trials_);
  }
  return table;
}

std::vector<StoreEvent> ResultStore::read_events() const {
  Access access(path_, false);
  hid_t f = access.id();
  h5::Dataset time = h5::open_dataset(f, "events/time");
  auto rows = static_cast<std::int64_t>(h5::shape(time)[0]);
  std::vector<double> times = read_column<double>(f, "events/time", H5T_NATIVE_DOUBLE, rows);
  std::vector<std::int64_t> trials = read_column<std::int64_t>(f, "events/trial", H5T_NATIVE_INT64, rows);
  std::vector<std::string> kinds = h5::read_strings(h5::open_dataset(f, "events/kind"));
  std::vector<std::string> messages = h5::read_strings(h5::open_dataset(f, "events/message"));
  std::vector<StoreEvent> events;
  for (std::int64_t i = 0; i < rows; ++i) {
    auto k = static_cast<std::size_t>(i);
    events.push_back(StoreEvent{times[k], trials[k], kinds[k], messages[k]});
  }
  return events;
}

}  // namespace trawl
