#include "core/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace trawl {

MappedFile::MappedFile(const std::string& path, const std::string& what) : path_(path) {
  auto fail = [&](const char* reason) { throw InputError("cannot read " + what + " '" + path + "': " + reason); };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const int saved = errno;
    ::close(fd);
    fail(S_ISREG(info.st_mode) ? std::strerror(saved) : "not a regular file");
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    const int saved = errno;
    ::close(fd);
    if (mapped == MAP_FAILED) fail(std::strerror(saved));
    data_ = static_cast<const std::uint8_t*>(mapped);
  } else {
    ::close(fd);
  }
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace trawl
