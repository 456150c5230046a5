#include "store/file_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.hpp"
#include "core/env.hpp"
#include "store/lock_check.hpp"

namespace trawl {

namespace {

bool mkdir_locks() {
  const char* mode = std::getenv("TRAWL_LOCK");
  return mode && std::string(mode) == "mkdir";
}

// Takes <path>.d with mkdir, waiting while another process holds it (or
// not: "" when it is held).
std::string take_directory_lock(const std::string& path, bool wait) {
  const std::string dir = path + ".d";
  const double stale = static_cast<double>(env_integer("TRAWL_LOCK_STALE_SECONDS").value_or(600));
  while (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno != EEXIST) throw Error("cannot make lock directory '" + dir + "': " + std::strerror(errno));
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0 && std::difftime(std::time(nullptr), info.st_mtime) > stale)
      ::rmdir(dir.c_str());  // its holder died long ago
    else if (!wait)
      return "";
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return dir;
}

}  // namespace

FileLock::FileLock(const std::string& path, Mode mode) { acquire(path, mode, true); }

std::optional<FileLock> FileLock::try_exclusive(const std::string& path) {
  FileLock lock;
  if (!lock.acquire(path, Mode::exclusive, false)) return std::nullopt;
  return lock;
}

bool FileLock::acquire(const std::string& path, Mode mode, bool wait) {
  if (mkdir_locks()) {
    directory_ = take_directory_lock(path, wait);
    return !directory_.empty();
  }
  check_locks_exclude(std::filesystem::path(path).parent_path().string());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  if (fd_ < 0) throw Error("cannot open lock file '" + path + "': " + std::strerror(errno));
  struct flock request {};
  request.l_type = mode == Mode::exclusive ? F_WRLCK : F_RDLCK;
  request.l_whence = SEEK_SET;  // start 0, length 0: the whole file
  while (::fcntl(fd_, wait ? F_SETLKW : F_SETLK, &request) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (!wait && (error == EACCES || error == EAGAIN)) return false;  // another process holds it
    throw Error("cannot lock '" + path + "' with fcntl: " + std::strerror(error) +
                (error == ENOLCK || error == EOPNOTSUPP || error == ENOSYS
                     ? " (this file system has no POSIX locks: put sweep.dir on one that has, or set "
                       "TRAWL_LOCK=mkdir for trawl's directory locks; see docs/fault-tolerance.md)"
                     : ""));
  }
  return true;
}

FileLock::FileLock(FileLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), directory_(std::exchange(other.directory_, "")) {}

FileLock::~FileLock() {
  if (!directory_.empty()) ::rmdir(directory_.c_str());
  if (fd_ < 0) return;
  struct flock request {};
  request.l_type = F_UNLCK;
  request.l_whence = SEEK_SET;
  ::fcntl(fd_, F_SETLK, &request);
  ::close(fd_);
}

}  // namespace trawl
