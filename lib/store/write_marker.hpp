// lib/store (internal): the marker that a write to a results file is under way.
#pragma once

#include <string>

namespace trawl {

// HDF5 changes a file in place, many writes per record, and reuses the space
// that rewrites free: a writer killed between two of them leaves a file that
// opens and reads, with columns of different lengths or stale rows. The
// marker file (write_marker_for, paths.hpp) exists from before a write
// session opens the file until HDF5 has flushed and closed it; found under
// the lock, it means the last writer was stopped mid-write (DamagedResults).
void mark_writing(const std::string& results_file);    // StoreWriteError when it cannot
void unmark_writing(const std::string& results_file);  // StoreWriteError when it cannot
// Throws DamagedResults when a writer left the marker behind.
void check_not_cut_short(const std::string& results_file);

}  // namespace trawl
