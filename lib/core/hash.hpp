// lib/core: stable 64-bit hashes (XXH3 from libxxhash), the same across runs,
// machines and versions, which std::hash is not: spec hashes, file content,
// and the checksums of checkpoints and journal records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct XXH3_state_s;

namespace trawl {

// XXH3-64 of the bytes.
std::uint64_t checksum(std::string_view bytes);
// XXH3-64 of bytes given in pieces: the same value as checksum() of them
// joined, without joining them.
class StreamingChecksum {
 public:
  StreamingChecksum();
  ~StreamingChecksum();
  StreamingChecksum(const StreamingChecksum&) = delete;
  StreamingChecksum& operator=(const StreamingChecksum&) = delete;
  void add(const void* data, std::size_t size);
  std::uint64_t value() const;

 private:
  XXH3_state_s* state_;  // libxxhash's, kept out of this header
};
// FNV-1a, which trawl 0.1 used for checksums; only for reading its files.
std::uint64_t legacy_checksum(std::string_view bytes);

// A hash of a sequence of parts: each part is hashed with the hash so far as
// the seed, so the order of the parts counts.
class StableHash {
 public:
  StableHash& add(std::string_view bytes);
  // Adds a length prefix first so that ("ab","c") and ("a","bc") differ.
  StableHash& add_field(std::string_view bytes);
  std::uint64_t value() const { return state_; }
  std::string hex() const;

 private:
  std::uint64_t state_ = 0;
};

// XXH3-64 of a whole file's bytes, streamed, as 16 hex digits (what
// `xxhsum -H3` prints); throws Error when it cannot be read.
std::string hash_file(const std::string& path);
// What a sweep names as one input: a file, a directory (a Hugging Face model:
// each regular file in it, by name) or a glob of files (token shards), as
// one hash of the names and contents in sorted order. A file is read once per
// process while its size and modification time stay the same.
std::string hash_files(const std::string& path);

}  // namespace trawl
