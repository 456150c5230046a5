#include "core/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.hpp"

namespace trawl {

namespace {

[[noreturn]] void os_error(const std::string& what, const std::string& path) {
  throw Error(what + " '" + path + "': " + std::strerror(errno));
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) os_error("cannot open directory", dir);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0 && errno != EINVAL) os_error("cannot fsync directory", dir);
}

// Writes all `size` bytes at `offset` (or at the file's position: -1).
void write_fully(int fd, const char* data, std::size_t size, off_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = offset < 0 ? ::write(fd, data + done, size - done)
                                 : ::pwrite(fd, data + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      os_error("cannot write", path);
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void write_all(int fd, const std::string& bytes, const std::string& path) {
  write_fully(fd, bytes.data(), bytes.size(), -1, path);
}

DurableFile::DurableFile(std::string path)
    : path_(std::move(path)), temporary_(path_ + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) os_error("cannot create", temporary_);
}

DurableFile::~DurableFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temporary_.c_str());
}

void DurableFile::write(const void* data, std::size_t size) {
  write_fully(fd_, static_cast<const char*>(data), size, -1, temporary_);
}

void DurableFile::write_at(std::uint64_t offset, const void* data, std::size_t size) {
  write_fully(fd_, static_cast<const char*>(data), size, static_cast<off_t>(offset), temporary_);
}

void DurableFile::commit() {
  if (::fsync(fd_) != 0) os_error("cannot fsync", temporary_);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    ::unlink(temporary_.c_str());
    os_error("cannot close", temporary_);
  }
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
    ::unlink(temporary_.c_str());
    os_error("cannot rename to", path_);
  }
  std::string dir = std::filesystem::path(path_).parent_path().string();
  fsync_dir(dir.empty() ? "." : dir);
}

void write_file_durably(const std::string& path, const std::string& bytes) {
  DurableFile file(path);
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace trawl
