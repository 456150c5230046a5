#include "store/paths.hpp"

#include <filesystem>

#include "core/error.hpp"

namespace trawl {

namespace fs = std::filesystem;

std::string lock_path_for(const std::string& results_file) { return results_file + ".lock"; }
std::string write_marker_for(const std::string& results_file) { return results_file + ".writing"; }

std::string sweep_copy_in(const std::string& results_dir) { return results_dir + "/sweep.toml"; }
std::string journal_dir(const std::string& results_dir) { return results_dir + "/journal"; }
std::string trial_dir(const std::string& results_dir, std::int64_t trial) {
  return results_dir + "/trials/" + std::to_string(trial);
}

std::string sweep_dir_of(const std::string& where) {
  if (fs::is_directory(where)) return where;
  const fs::path file(where);
  if (file.filename() != "results.h5") throw InputError(where + ": not a sweep directory (nor its results.h5)");
  return file.has_parent_path() ? file.parent_path().string() : ".";
}

std::string results_file_in(const std::string& where) {
  if (fs::is_directory(where)) return (fs::path(where) / "results.h5").string();
  return where;
}

}  // namespace trawl
