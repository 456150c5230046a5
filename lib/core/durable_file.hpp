// lib/core: writing a file so that a crash leaves the old one or the new one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trawl {

// A file written in pieces to a temporary name beside `path`; commit() makes
// it durable (fsync, rename over `path`, fsync of the directory). Destroyed
// uncommitted, the temporary file is removed and `path` is untouched. Every
// failure throws Error with the OS's reason (e.g. "No space left on device").
class DurableFile {
 public:
  explicit DurableFile(std::string path);
  ~DurableFile();
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  void write(const void* data, std::size_t size);
  // Overwrites bytes already written (a length known only at the end).
  void write_at(std::uint64_t offset, const void* data, std::size_t size);
  void commit();

 private:
  std::string path_, temporary_;
  int fd_ = -1;
};

// A whole file at once, through DurableFile.
void write_file_durably(const std::string& path, const std::string& bytes);
// Writes all of `bytes` to `fd`, retrying short and interrupted writes;
// throws Error "cannot write '<path>': <reason>".
void write_all(int fd, const std::string& bytes, const std::string& path);

}  // namespace trawl
