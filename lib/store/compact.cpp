// ResultStore::compact: the results file rewritten to its minimal size.
#include <unistd.h>

#include <filesystem>
#include <numeric>

#include "h5/io.hpp"
#include "spec/parse.hpp"
#include "store/file_lock.hpp"
#include "store/grow.hpp"
#include "store/layout.hpp"
#include "store/result_store.hpp"

namespace trawl {

namespace fs = std::filesystem;

// Under the exclusive lock, so workers may keep running: they open the file
// afresh for every record and find the compacted one. Nothing moves: every
// row, curve and event is copied to the same place of a new file made the
// way `trawl run` makes one, which then replaces the old.
CompactReport ResultStore::compact() const {
  FileLock lock(lock_path_for(path_), FileLock::Mode::exclusive);
  CompactReport report{static_cast<std::int64_t>(fs::file_size(path_)), 0};
  const std::string temporary = path_ + ".compacting." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(temporary, ec);
  try {
    h5::File old = open_checked(path_);
    SweepSpec spec = parse_sweep_text(h5::read_string_attribute(old.get(), "sweep_file"), path_ + " (its sweep_file)",
                                      ".");
    spec.path = h5::read_string_attribute(old.get(), "sweep_path");
    const Grid grid(spec);
    if (grid.size() != trials_)
      throw Error(path_ + ": its sweep file makes " + std::to_string(grid.size()) + " trials, the file holds " +
                  std::to_string(trials_) + "; not compacted");
    create_layout(temporary, spec, grid, metrics_, h5::read_string_attribute(old.get(), "spec_hash"),
                  read_inputs(old.get()));
    h5::File now = h5::open_file(temporary, H5F_ACC_RDWR);
    std::vector<std::int64_t> same(static_cast<std::size_t>(trials_));
    std::iota(same.begin(), same.end(), 0);
    copy_trial_rows(old.get(), now.get(), metrics_, same, trials_);
    copy_events(old.get(), now.get(), same);
    h5::check(H5Fflush(now.get(), H5F_SCOPE_GLOBAL), "flush " + temporary);
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  // A file that is minimal already can come out a little larger (HDF5's
  // free-space and heap bookkeeping): then the old one stays.
  if (static_cast<std::int64_t>(fs::file_size(temporary)) >= report.bytes_before) {
    fs::remove(temporary, ec);
    report.bytes_after = report.bytes_before;
    return report;
  }
  fs::rename(temporary, path_);
  report.bytes_after = static_cast<std::int64_t>(fs::file_size(path_));
  return report;
}

}  // namespace trawl
