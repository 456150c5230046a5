// lib/store: where a sweep directory keeps its files.
#pragma once

#include <cstdint>
#include <string>

namespace trawl {

// The sidecar lock file that serialises every writer of a results file.
std::string lock_path_for(const std::string& results_file);
// The marker that a write to the results file is under way (write_marker.hpp).
std::string write_marker_for(const std::string& results_file);
// `where` is a sweep dir (its results.h5) or a results file.
std::string results_file_in(const std::string& where);
// The other way: the sweep dir of `where`, a sweep dir or its results.h5;
// InputError for anything else.
std::string sweep_dir_of(const std::string& where);
// The sweep dir's copy of its sweep file (for `trawl repair`), its journals,
// and each trial's files (checkpoints, final weights).
std::string sweep_copy_in(const std::string& results_dir);
std::string journal_dir(const std::string& results_dir);
std::string trial_dir(const std::string& results_dir, std::int64_t trial);

}  // namespace trawl
