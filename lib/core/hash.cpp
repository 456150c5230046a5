#include "core/hash.hpp"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/file_glob.hpp"

namespace trawl {

namespace {

std::string to_hex(std::uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace

std::uint64_t checksum(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

StreamingChecksum::StreamingChecksum() : state_(XXH3_createState()) {
  if (!state_ || XXH3_64bits_reset(state_) == XXH_ERROR) {
    XXH3_freeState(state_);
    throw Error("cannot start an XXH3 checksum (out of memory)");
  }
}

StreamingChecksum::~StreamingChecksum() { XXH3_freeState(state_); }

void StreamingChecksum::add(const void* data, std::size_t size) { XXH3_64bits_update(state_, data, size); }

std::uint64_t StreamingChecksum::value() const { return XXH3_64bits_digest(state_); }

std::uint64_t legacy_checksum(std::string_view bytes) {
  std::uint64_t state = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    state ^= c;
    state *= 0x100000001b3ULL;
  }
  return state;
}

StableHash& StableHash::add(std::string_view bytes) {
  state_ = XXH3_64bits_withSeed(bytes.data(), bytes.size(), state_);
  return *this;
}

StableHash& StableHash::add_field(std::string_view bytes) {
  add(std::to_string(bytes.size()) + ":");
  return add(bytes);
}

std::string StableHash::hex() const { return to_hex(state_); }

std::string hash_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  StreamingChecksum sum;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    sum.add(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  // A diagnostic: which process reads which input in full (a start-up of
  // many ranks should read each once, on rank 0).
  if (const char* trace = std::getenv("TRAWL_TRACE_HASHING"); trace && *trace)
    std::cerr << "trawl: pid " << ::getpid() << " hashed " << path << "\n";
  return to_hex(sum.value());
}

namespace {

// Inputs are hashed more than once per process (the spec hash, the settings
// hash, the trainer's base hash): each file is read once, while its size and
// modification time stay the same.
std::string remembered_hash_file(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::tuple<std::uintmax_t, std::int64_t, std::string>> known;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto time = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  if (ec) return hash_file(path);  // let hash_file say why it cannot read it
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = known.find(path);
    if (it != known.end() && std::get<0>(it->second) == size && std::get<1>(it->second) == time)
      return std::get<2>(it->second);
  }
  std::string hash = hash_file(path);
  std::lock_guard<std::mutex> lock(mutex);
  known[path] = {size, static_cast<std::int64_t>(time), hash};
  return hash;
}

}  // namespace

std::string hash_files(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(path) && !has_glob_characters(path)) return remembered_hash_file(path);
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path))
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
  } else {
    files = expand_glob(path);
  }
  StableHash hash;
  for (const auto& file : files) {
    hash.add_field(fs::path(file).filename().string());
    hash.add_field(remembered_hash_file(file));
  }
  return hash.hex();
}

}  // namespace trawl
