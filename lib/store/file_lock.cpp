#include "store/file_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.hpp"

namespace trawl {

FileLock::FileLock(const std::string& path, Mode mode) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
  if (fd_ < 0) throw Error("cannot open lock file '" + path + "': " + std::strerror(errno));
  struct flock request {};
  request.l_type = mode == Mode::exclusive ? F_WRLCK : F_RDLCK;
  request.l_whence = SEEK_SET;  // start 0, length 0: the whole file
  while (::fcntl(fd_, F_SETLKW, &request) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw Error("cannot lock '" + path + "' with fcntl: " + std::strerror(error) +
                (error == ENOLCK || error == EOPNOTSUPP
                     ? " (this file system has no POSIX locks; put sweep.dir on one that has)"
                     : ""));
  }
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock::~FileLock() {
  if (fd_ < 0) return;
  struct flock request {};
  request.l_type = F_UNLCK;
  request.l_whence = SEEK_SET;
  ::fcntl(fd_, F_SETLK, &request);
  ::close(fd_);
}

}  // namespace trawl
