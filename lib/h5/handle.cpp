#include "h5/handle.hpp"

#include <mutex>

#include "core/text.hpp"

namespace trawl::h5 {

namespace {

// HDF5 prints its error stack to stderr by default; trawl reports errors
// itself, with context, so the automatic printing is turned off once.
void silence_automatic_printing() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// And before any HDF5 call at all (H5Fis_hdf5 is not one that check() wraps).
const bool silenced_at_start = (silence_automatic_printing(), true);

herr_t collect_message(unsigned n, const H5E_error2_t* error, void* out) {
  auto* message = static_cast<std::string*>(out);
  if (error->desc && *error->desc) {
    // The innermost error (n == 0) says what HDF5 itself saw.
    if (n == 0) *message = error->desc;
  }
  return 0;
}

std::string current_error_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_message, &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "HDF5 call failed" : message;
}

}  // namespace

herr_t check(herr_t status, const std::string& what) {
  silence_automatic_printing();
  if (status < 0) throw H5Error(what + ": " + current_error_message());
  return status;
}

hid_t check_id(hid_t id, const std::string& what) {
  silence_automatic_printing();
  if (id < 0) throw H5Error(what + ": " + current_error_message());
  return id;
}

PropertyList file_access_without_locking() {
  PropertyList fapl(H5Pcreate(H5P_FILE_ACCESS), "create file access properties");
  check(H5Pset_file_locking(fapl.get(), false, true), "turn off HDF5 file locking");
  return fapl;
}

File open_file(const std::string& path, unsigned flags) {
  silence_automatic_printing();
  PropertyList fapl = file_access_without_locking();
  return File(H5Fopen(path.c_str(), flags, fapl.get()), "open HDF5 file '" + path + "'");
}

// A file rewritten one small record at a time: HDF5 forgets the space it
// frees when the file closes unless free-space tracking persists in it, and
// the file then grows with every rewrite. (Not the 1.10 superblock: it marks
// a file open for writing, and one whose writer was killed would not open.)
File create_file(const std::string& path) {
  silence_automatic_printing();
  PropertyList fapl = file_access_without_locking();
  PropertyList fcpl(H5Pcreate(H5P_FILE_CREATE), "create file creation properties");
  check(H5Pset_file_space_strategy(fcpl.get(), H5F_FSPACE_STRATEGY_FSM_AGGR, 1, 1), "keep track of free space");
  return File(H5Fcreate(path.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get()), "create HDF5 file '" + path + "'");
}

bool exists(hid_t location, const std::string& path) {
  silence_automatic_printing();
  std::string prefix;
  for (const auto& part : split(path, '/')) {
    if (part.empty()) continue;
    prefix += prefix.empty() ? part : "/" + part;
    htri_t found = H5Lexists(location, prefix.c_str(), H5P_DEFAULT);
    if (found <= 0) return false;
  }
  return true;
}

// H5Oopen and H5Iget_type have kept their signatures since 1.8, unlike
// H5Oget_info_by_name (4 arguments in 1.10, 5 and another struct in 1.12+).
bool is_dataset(hid_t location, const std::string& path) {
  silence_automatic_printing();
  Object object(H5Oopen(location, path.c_str(), H5P_DEFAULT), "open '" + path + "'");
  return H5Iget_type(object.get()) == H5I_DATASET;
}

std::string library_version() {
  unsigned major = 0, minor = 0, release = 0;
  check(H5get_libversion(&major, &minor, &release), "get the HDF5 version");
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

herr_t reclaim_variable_length(hid_t type, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, H5P_DEFAULT, buffer);  // H5Dvlen_reclaim is deprecated from 1.12
#else
  return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

}  // namespace trawl::h5
