// ResultStore's opening: making a results file, checking that an existing one
// is this sweep's (or growing its grid), and opening one for readers.
#include <unistd.h>

#include <filesystem>

#include "core/durable_file.hpp"
#include "h5/io.hpp"
#include "spec/parse.hpp"
#include "spec/spec_diff.hpp"
#include "spec/spec_hash.hpp"
#include "store/file_lock.hpp"
#include "store/grow.hpp"
#include "store/layout.hpp"
#include "store/result_store.hpp"
#include "store/write_marker.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

// "3 journal(s) and trial files" when the dir holds a sweep's records.
std::string recorded_files(const std::string& dir) {
  std::error_code ec;
  std::size_t journals = 0;
  for (const auto& entry : fs::directory_iterator(journal_dir(dir), ec))
    if (entry.path().extension() == ".journal") ++journals;
  const bool trials = !fs::is_empty(dir + "/trials", ec) && !ec;
  if (!journals && !trials) return "";
  return (journals ? std::to_string(journals) + " journal(s)" : std::string()) + (journals && trials ? " and " : "") +
         (trials ? "trial files (checkpoints, weights)" : "");
}

// The refusal of a results file made by another sweep file: what changed, and
// why the grid could not simply grow.
[[noreturn]] void refuse_other_sweep(const std::string& path, const std::string& recorded, const SweepSpec& spec,
                                     const std::string& spec_hash, const std::string& changes,
                                     const std::string& refusal) {
  throw InputError(path + " was made by a different sweep file (spec hash " + recorded + ", this one " + spec_hash +
                   "); the results would not be comparable. Use another sweep.dir, or "
                   "restore the sweep file it was made with (its text is the file's sweep_file attribute)." +
                   (changes.empty() ? std::string() : "\nWhat changed:" + changes) +
                   (refusal.empty() ? std::string() : "\nA grid may grow, but " + refusal));
}

}  // namespace

ResultStore ResultStore::open_or_create(const SweepSpec& spec, const Grid& grid,
                                        const std::vector<std::string>& metrics, const std::string& spec_hash) {
  const std::string path = spec.results_file();
  std::error_code ec;
  fs::create_directories(spec.results_dir(), ec);
  if (ec) throw Error("cannot create sweep directory '" + spec.results_dir() + "': " + ec.message());
  FileLock lock(lock_path_for(path), FileLock::Mode::exclusive);
  if (!fs::exists(path)) {
    // Journals or trial files without their results file: the file was lost
    // (deleted, or never copied along). Starting afresh would resume trials
    // from checkpoints and lose the eval points recorded so far.
    if (const std::string left = recorded_files(spec.results_dir()); !left.empty())
      throw InputError(path + " is missing, but " + spec.results_dir() + " holds " + left +
                       " of this sweep: rebuild the results file with `trawl repair " + spec.results_dir() +
                       "`, or use another sweep.dir");
    return create(spec, grid, metrics, spec_hash);
  }
  h5::File file = open_checked(path);
  const std::string recorded = h5::read_string_attribute(file.get(), "spec_hash");
  if (recorded == spec_hash)
    return ResultStore(path, h5::read_strings_attribute(file.get(), "metrics"),
                       h5::read_integer_attribute(file.get(), "grid_size"));
  std::string changes, refusal;
  try {
    const SweepSpec before = parse_sweep_text(h5::read_string_attribute(file.get(), "sweep_file"),
                                              spec.path + " (as recorded)", spec.base_dir);
    // Both hashes below read the inputs as they are now: the recorded ones must be those.
    check_inputs_unchanged(path, read_inputs(file.get()), recorded, before);
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
  refuse_other_sweep(path, recorded, spec, spec_hash, changes, refusal);
}

ResultStore ResultStore::rebuild(const SweepSpec& spec, const Grid& grid, const std::vector<std::string>& metrics,
                                 const std::string& spec_hash) {
  FileLock lock(lock_path_for(spec.results_file()), FileLock::Mode::exclusive);
  if (fs::exists(spec.results_file())) throw Error(spec.results_file() + " exists: move it aside before rebuilding");
  return create(spec, grid, metrics, spec_hash);
}

// Under the lock: the file, built under a temporary name and renamed, so a
// crash mid-way leaves no half-made results file behind.
ResultStore ResultStore::create(const SweepSpec& spec, const Grid& grid, const std::vector<std::string>& metrics,
                                const std::string& spec_hash) {
  const std::string path = spec.results_file();
  std::error_code ec;
  std::string temporary = path + ".creating." + std::to_string(::getpid());
  fs::remove(temporary, ec);
  try {
    create_layout(temporary, spec, grid, metrics, spec_hash, hash_inputs(spec));
  } catch (...) {
    fs::remove(temporary, ec);
    throw;
  }
  fs::rename(temporary, path);
  unmark_writing(path);  // one left by the file this one replaces
  // The sweep file and where its relative paths point, for `trawl repair`.
  write_file_durably(sweep_copy_in(spec.results_dir()), spec.text);
  write_file_durably(sweep_copy_in(spec.results_dir()) + ".base", spec.base_dir);
  return ResultStore(path, metrics, grid.size());
}

ResultStore ResultStore::open_existing(const std::string& path) {
  if (!fs::exists(path)) throw InputError(path + ": no results file here");
  FileLock lock(lock_path_for(path), FileLock::Mode::shared);
  h5::File file = open_checked(path);
  return ResultStore(path, h5::read_strings_attribute(file.get(), "metrics"),
                     h5::read_integer_attribute(file.get(), "grid_size"));
}

}  // namespace trawl
