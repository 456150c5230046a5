// lib/store: a POSIX advisory record lock (fcntl) on a whole file. fcntl locks
// work across the nodes of NFS and Lustre mounts, unlike flock. They belong to
// the process, so one process must hold at most one FileLock per file.
#pragma once

#include <string>

namespace trawl {

class FileLock {
 public:
  enum class Mode { shared, exclusive };

  // Blocks until the lock is held. Creates the file if it is missing.
  FileLock(const std::string& path, Mode mode);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace trawl
