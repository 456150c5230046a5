#include "store/layout.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/env.hpp"
#include "core/version.hpp"
#include "grid/outcome.hpp"
#include "h5/io.hpp"
#include "h5/typed.hpp"
#include "store/paths.hpp"
#include "store/result_store.hpp"
#include "store/write_marker.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr hsize_t write_block = 65536;

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

void write_ids_and_seeds(hid_t f, const Grid& grid) {
  const hsize_t n = static_cast<hsize_t>(grid.size());
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

void write_root_attributes(hid_t f, const SweepSpec& spec, const Grid& grid, const std::vector<std::string>& metrics,
                           const std::string& spec_hash) {
  h5::write_attribute(f, "trawl_version", std::string(version()));
  h5::write_attribute(f, "sweep_file", spec.text);
  h5::write_attribute(f, "sweep_path", spec.path);
  h5::write_attribute(f, "spec_hash", spec_hash);
  h5::write_attribute(f, "grid_size", static_cast<std::int64_t>(grid.size()));
  h5::write_attribute(f, "axis_names", grid.axis_names());
  h5::write_attribute(f, "metric", spec.string("sweep.metric"));
  h5::write_attribute(f, "mode", spec.string("sweep.mode"));
  h5::write_attribute(f, "metrics", metrics);
  std::vector<std::string> constraints;
  for (const Constraint& c : spec.constraints) constraints.push_back(c.text());
  if (!constraints.empty()) h5::write_attribute(f, "constraints", constraints);  // read back by the report
  h5::write_attribute(f, "status_names", trial_status_names());
}

void write_inputs(hid_t f, const RecordedInputs& inputs) {
  if (inputs.files.empty()) return;
  std::vector<std::string> keys, paths, hashes;
  for (const InputFile& file : inputs.files) {
    keys.push_back(file.key);
    paths.push_back(file.path);
    hashes.push_back(file.hash);
  }
  h5::write_attribute(f, "input_keys", keys);
  h5::write_attribute(f, "input_paths", paths);
  h5::write_attribute(f, "input_hashes", hashes);
  h5::write_attribute(f, "inputs_hashed_at", inputs.hashed_at);
}

}  // namespace

void create_layout(const std::string& path, const SweepSpec& spec, const Grid& grid,
                   const std::vector<std::string>& metrics, const std::string& spec_hash,
                   const std::optional<RecordedInputs>& inputs) {
  h5::File file = h5::create_file(path);
  hid_t f = file.get();
  const hsize_t n = static_cast<hsize_t>(grid.size());
  write_root_attributes(f, spec, grid, metrics, spec_hash);
  if (inputs) write_inputs(f, *inputs);
  write_ids_and_seeds(f, grid);
  h5::Datatype status = h5::enum_type(trial_status_names());
  std::int8_t pending = static_cast<std::int8_t>(TrialStatus::pending);
  h5::create_column(f, "trials/status", status.get(), n, &pending);
  std::int64_t zero = 0, minus_one = -1;
  h5::create_column(f, "trials/attempts", H5T_STD_I64LE, n, &zero);
  h5::create_column(f, "trials/steps", H5T_STD_I64LE, n, &zero);
  h5::create_column(f, "trials/best_step", H5T_STD_I64LE, n, &minus_one);
  h5::create_column(f, "trials/rung", H5T_STD_I64LE, n, &zero);
  h5::create_column(f, "trials/trained_by", H5T_STD_I64LE, n, &minus_one);
  h5::Datatype boolean = h5::bool_type();
  std::int8_t no = 0;
  h5::create_column(f, "trials/stopped_early", boolean.get(), n, &no);
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

// Opens a results file for reading, saying what to do when it is damaged.
namespace {

// A file beside a sweep's own copy of its sweep file or its journals is a
// results file, damaged or not; anything else the user named by mistake.
bool in_sweep_dir(const std::string& path) {
  const std::string dir = fs::path(path).parent_path().string();
  return fs::exists(sweep_copy_in(dir.empty() ? "." : dir)) || fs::exists(journal_dir(dir.empty() ? "." : dir));
}

}  // namespace

[[noreturn]] void throw_damaged(const std::string& path, const std::string& why) {
  const std::string dir = fs::path(path).parent_path().string();
  throw DamagedResults(path + " is damaged and cannot be read (" + why +
                       "); rebuild it from the journals with: trawl repair " + (dir.empty() ? "." : dir));
}

// HDF5 trims a file to its end of allocation when it closes it cleanly, and
// every writer closes before it lets go of the lock: under the lock, a file
// longer than its recorded allocation was left mid-write by a killed writer
// (its superblock never caught up), and writing to it would fail.
void check_closed_cleanly(const h5::File& file, const std::string& path) {
  haddr_t eoa = 0;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || H5Fget_eoa(file.get(), &eoa) < 0) return;
  if (size != eoa)
    throw_damaged(path, "its writer was stopped mid-write: the file is " + std::to_string(size) +
                            " bytes, its allocation ends at " + std::to_string(eoa));
}

h5::File open_checked(const std::string& path) {
  if (fs::is_directory(path))
    throw InputError(path + " is a directory, not a results file: move it aside (trawl makes results.h5 itself)");
  const bool ours = in_sweep_dir(path);
  if (!ours && H5Fis_hdf5(path.c_str()) <= 0)
    throw InputError(path + " is not a trawl results file (not an HDF5 file); give a sweep directory or its results.h5");
  if (ours) check_not_cut_short(path);
  try {
    h5::File file = h5::open_file(path, H5F_ACC_RDONLY);
    if (!ours && !h5::exists(file.get(), "trials/status"))
      throw InputError(path + " is an HDF5 file but not a trawl results file (it has no /trials/status)");
    h5::read_string_attribute(file.get(), "spec_hash");
    if (ours) check_closed_cleanly(file, path);
    check_layout(file.get(), path);
    return file;
  } catch (const h5::H5Error& e) {
    if (!ours) throw InputError(path + " is not a trawl results file (" + e.what() + ")");
    throw_damaged(path, e.what());
  }
}

std::optional<RecordedInputs> read_inputs(hid_t file) {
  if (!h5::has_attribute(file, "input_keys")) return std::nullopt;
  const auto keys = h5::read_strings_attribute(file, "input_keys");
  const auto paths = h5::read_strings_attribute(file, "input_paths");
  const auto hashes = h5::read_strings_attribute(file, "input_hashes");
  if (paths.size() != keys.size() || hashes.size() != keys.size())
    throw h5::H5Error("the input_keys, input_paths and input_hashes attributes differ in length");
  RecordedInputs inputs{{}, h5::read_string_attribute(file, "inputs_hashed_at")};
  for (std::size_t i = 0; i < keys.size(); ++i) inputs.files.push_back(InputFile{keys[i], paths[i], hashes[i]});
  return inputs;
}

std::vector<TrialStatus> read_statuses(hid_t file, hsize_t first, hsize_t count) {
  const auto raw = h5::read_enum_rows(file, "trials/status", first, count, trial_status_names());
  std::vector<TrialStatus> statuses(raw.size());
  std::transform(raw.begin(), raw.end(), statuses.begin(), [](std::int8_t v) { return static_cast<TrialStatus>(v); });
  return statuses;
}

std::vector<StoreEvent> read_event_rows(hid_t file) {
  const std::vector<double> times = h5::read<double>(file, "events/time");
  const std::vector<std::int64_t> trials = h5::read<std::int64_t>(file, "events/trial");
  std::vector<std::string> kinds = h5::read<std::string>(file, "events/kind");
  std::vector<std::string> messages = h5::read<std::string>(file, "events/message");
  std::vector<StoreEvent> events;
  for (std::size_t k = 0; k < times.size(); ++k)
    events.push_back(StoreEvent{times[k], trials.at(k), std::move(kinds.at(k)), std::move(messages.at(k))});
  return events;
}

namespace {

void ensure_room(const std::string& path) {
  const std::string dir = fs::path(path).parent_path().string();
  struct statvfs fs_stat {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &fs_stat) != 0) return;  // unknown: let the write say
  const auto free = static_cast<std::int64_t>(fs_stat.f_bavail) * static_cast<std::int64_t>(fs_stat.f_frsize);
  const std::int64_t needed = env_integer("TRAWL_MIN_FREE_BYTES").value_or(default_min_free_bytes);
  if (free < needed)
    throw StoreWriteError(path + ": No space left on device (ENOSPC): " + std::to_string(free) +
                          " bytes free where a results write needs " + std::to_string(needed) +
                          "; nothing was written. Free some space and run again to resume.");
}

}  // namespace

// HDF5 keeps variable-length strings in 4 KiB heap collections and fills
// only those it has loaded since the file was opened: each write session
// would otherwise start a new collection, about 4 KiB a record. Reading the
// newest event's message loads the newest collection, which the session's
// strings then fill.
void reopen_string_heap(hid_t file) {
  h5::Dataset messages = h5::open_dataset(file, "events/message");
  const hsize_t rows = h5::shape(messages).at(0);
  if (rows > 0) h5::read_one<std::string>(file, "events/message", rows - 1);
}

// The marker comes before the file opens: HDF5 may write to a file it has
// open for writing even when nothing changes (its free-space records).
h5::File open_marked(const std::string& path, bool write) {
  check_not_cut_short(path);
  if (!write) return h5::open_file(path, H5F_ACC_RDONLY);
  ensure_room(path);
  mark_writing(path);
  try {
    return h5::open_file(path, H5F_ACC_RDWR);
  } catch (const h5::H5Error& e) {
    // Not opened (permission denied, an immutable file): nothing was written,
    // and a mark left behind would make every reader call the file damaged.
    unmark_writing(path);
    throw StoreWriteError(path + ": cannot open it for writing (" + e.what() + ": " + std::strerror(errno) +
                          "); nothing was written");
  }
}

Access::Access(const std::string& path, bool write)
    : path_(path), lock_(lock_path_for(path), write ? FileLock::Mode::exclusive : FileLock::Mode::shared),
      write_(write), file_(open_marked(path, write)) {
  check_closed_cleanly(file_, path_);
}

void Access::begin_changes(bool strings) {
  changing_ = true;
  if (!strings || strings_ready_) return;
  reopen_string_heap(file_.get());
  strings_ready_ = true;
}

// A write that changed nothing (a refused claim, a journal that could not
// be written) takes its mark back once HDF5 has closed the file cleanly.
Access::~Access() {
  if (!write_ || file_.get() < 0 || changing_) return;
  if (H5Fclose(file_.release()) < 0) return;
  try {
    unmark_writing(path_);
  } catch (const StoreWriteError&) {
    // The file is then taken for damaged, and `trawl repair` rebuilds it: nothing is lost.
  }
}

void Access::finish() {
  try {
    h5::check(H5Fflush(file_.get(), H5F_SCOPE_LOCAL), "flush " + path_);
    h5::check(H5Fclose(file_.release()), "close " + path_);
  } catch (const h5::H5Error& e) {
    throw StoreWriteError(path_ + ": the write could not be completed (" + e.what() + ": " + std::strerror(errno) +
                          "); run `trawl repair` on the sweep dir once the cause is fixed");
  }
  if (write_) unmark_writing(path_);
}

}  // namespace trawl
