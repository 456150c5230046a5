// lib/checkpoint: the checkpoints of one trial, in one directory, as files
// step-<k>.ckpt. Each file is "TRAWLCK2", the payload's length (8 bytes,
// little-endian), the payload, and the payload's XXH3-64 (8 bytes). Files
// of trawl 0.1 ("TRAWLCK1", FNV-1a) are still read. The payload is streamed
// into the file as it is made, hashed on the way: no copy of it is held.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace trawl {

struct LoadedCheckpoint {
  std::int64_t step = 0;
  std::string payload;
  std::string path;
};

class CheckpointDir {
 public:
  CheckpointDir(std::string dir, int keep);

  // What makes a payload: it hands its bytes to `write`, piece by piece.
  using Sink = std::function<void(const void* data, std::size_t size)>;
  using Payload = std::function<void(const Sink& write)>;
  // Writes durably, then deletes all but the newest `keep`. Throws Error
  // (with the OS's reason, e.g. no space) when the write fails; the files
  // already there are untouched then.
  void save(std::int64_t step, const Payload& payload) const;
  // The newest checkpoint that verifies; each one that does not is passed to
  // `skipped` with the reason and left for the next save's retention.
  std::optional<LoadedCheckpoint> load_latest(const std::function<void(const std::string&)>& skipped) const;
  // Steps with a checkpoint file, newest first (verified or not).
  std::vector<std::int64_t> steps() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string path_for(std::int64_t step) const;
  std::string dir_;
  int keep_;
};

// A file's bytes, the payload left in them (or the reason not).
std::optional<std::string> decode_checkpoint(std::string bytes, std::string& why);

}  // namespace trawl
