// lib/store (internal): the layout of a results file (docs/results-file.md):
// creating it, and opening it under the sidecar lock for one read or write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "grid/outcome.hpp"
#include "h5/handle.hpp"
#include "spec/sweep_spec.hpp"
#include "store/file_lock.hpp"
#include "store/inputs.hpp"
#include "store/result_store.hpp"

namespace trawl {

// Every dataset and attribute, all trial rows up front, at `path` (which must
// not exist).
void create_layout(const std::string& path, const SweepSpec& spec, const Grid& grid,
                   const std::vector<std::string>& metrics, const std::string& spec_hash,
                   const std::optional<RecordedInputs>& inputs);
// The input_keys, input_paths, input_hashes and inputs_hashed_at attributes;
// nullopt for a file made before trawl recorded them.
std::optional<RecordedInputs> read_inputs(hid_t file);

// Opens a results file for reading; DamagedResults (saying to run `trawl
// repair`) when HDF5 cannot read it.
// InputError for a file that is no results file at all (one given by
// mistake: a sweep file, a data file).
h5::File open_checked(const std::string& path);
// DamagedResults unless every column has a datatype trawl writes and its
// rows (one per trial; the events' columns of one length) and grid_size is
// a size trawl makes (layout_check.cpp).
void check_layout(hid_t file, const std::string& path);
// DamagedResults naming the file, why, and the repair command.
[[noreturn]] void throw_damaged(const std::string& path, const std::string& why);

// /trials/status, every value checked against the enum (DamagedResults-worthy
// H5Error otherwise).
std::vector<TrialStatus> read_statuses(hid_t file, hsize_t first = 0, hsize_t count = 0);  // count 0: to the end
// Every row of /events, oldest first.
std::vector<StoreEvent> read_event_rows(hid_t file);

// The free space a write needs on the results file's file system: HDF5 fails
// a full disk only when it flushes at close, leaving the file unreadable, so
// a write is refused before it starts instead (TRAWL_MIN_FREE_BYTES overrides).
constexpr std::int64_t default_min_free_bytes = 4 << 20;

// Holds the sidecar lock and the open file for one read or write. A write
// access checks the free space first (StoreWriteError) and marks the file as
// being written (write_marker.hpp) until its finish() has flushed and closed
// the file, checked, before the lock is released. A write that ends in an
// exception after begin_changes() leaves the mark: the file is damaged then.
class Access {
 public:
  Access(const std::string& path, bool write);
  ~Access();
  Access(const Access&) = delete;
  Access& operator=(const Access&) = delete;
  hid_t id() const { return file_.get(); }
  // Before the first write; `strings`: the writes include strings (see
  // reopen_string_heap in layout.cpp), which costs a read.
  void begin_changes(bool strings = true);
  void finish();

 private:
  std::string path_;
  FileLock lock_;
  bool write_;
  h5::File file_;
  bool changing_ = false;
  bool strings_ready_ = false;
};

}  // namespace trawl
