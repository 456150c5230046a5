// lib/core: a whole file mapped read-only into memory, for large inputs read
// in pieces (safetensors weights, token shards): the OS pages in what is
// touched, so a file is never copied whole into the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace trawl {

class MappedFile {
 public:
  // Throws InputError "cannot read <what> '<path>': <reason>".
  MappedFile(const std::string& path, const std::string& what);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace trawl
