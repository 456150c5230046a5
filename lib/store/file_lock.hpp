// lib/store: a POSIX advisory record lock (fcntl) on a whole file. fcntl locks
// work across the nodes of NFS and Lustre mounts, unlike flock, unless a mount
// keeps them node-local: the first lock in a folder checks that
// (check_locks_exclude) and refuses such a folder. They belong to the
// process, so one process must hold at most one FileLock per file.
//
// Fallback, for file systems without POSIX locks: with TRAWL_LOCK=mkdir in
// the environment every lock is exclusive and is the directory <file>.d,
// made with mkdir (atomic on every file system). A holder that died leaves it
// behind: one older than TRAWL_LOCK_STALE_SECONDS (default 600) is taken over.
#pragma once

#include <optional>
#include <string>

namespace trawl {

class FileLock {
 public:
  enum class Mode { shared, exclusive };

  // Blocks until the lock is held. Creates the file if it is missing.
  FileLock(const std::string& path, Mode mode);
  // The exclusive lock if no other process holds the file; nullopt at once
  // otherwise.
  static std::optional<FileLock> try_exclusive(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&&) = delete;

 private:
  FileLock() = default;
  bool acquire(const std::string& path, Mode mode, bool wait);
  int fd_ = -1;
  std::string directory_;  // the mkdir fallback's lock, when held
};

}  // namespace trawl
