// lib/core: a stable 64-bit hash (FNV-1a). Stable across runs, machines and
// versions, which std::hash is not; used for spec hashes and file content.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trawl {

class StableHash {
 public:
  StableHash& add(std::string_view bytes);
  // Adds a length prefix first so that ("ab","c") and ("a","bc") differ.
  StableHash& add_field(std::string_view bytes);
  std::uint64_t value() const { return state_; }
  std::string hex() const;

 private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

// Hash of a whole file's bytes, streamed; throws Error when it cannot be read.
std::string hash_file(const std::string& path);

}  // namespace trawl
