// lib/core: writing a file so that a crash leaves the old one or the new one.
#pragma once

#include <string>

namespace trawl {

// Temporary file, write, fsync, rename over `path`, fsync of the directory.
// Throws Error with the OS's reason (e.g. "No space left on device"); the
// temporary file is removed then and `path` is untouched.
void write_file_durably(const std::string& path, const std::string& bytes);
// Writes all of `bytes` to `fd`, retrying short and interrupted writes;
// throws Error "cannot write '<path>': <reason>".
void write_all(int fd, const std::string& bytes, const std::string& path);

}  // namespace trawl
