#include "store/write_marker.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/layout.hpp"
#include "store/paths.hpp"
#include "store/result_store.hpp"

namespace trawl {

void mark_writing(const std::string& results_file) {
  const std::string marker = write_marker_for(results_file);
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0664);
  if (fd < 0 || ::close(fd) != 0)
    throw StoreWriteError(marker + ": cannot create the marker of a write under way (" + std::strerror(errno) +
                          "); nothing was written");
}

void unmark_writing(const std::string& results_file) {
  const std::string marker = write_marker_for(results_file);
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT)
    throw StoreWriteError(marker + ": cannot remove the marker of a finished write (" + std::strerror(errno) + ")");
}

void check_not_cut_short(const std::string& results_file) {
  if (std::filesystem::exists(write_marker_for(results_file)))
    throw_damaged(results_file, "its last writer was stopped mid-write: " + write_marker_for(results_file) +
                                    " is still there");
}

}  // namespace trawl
