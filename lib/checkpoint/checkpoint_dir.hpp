// lib/checkpoint: the checkpoints of one trial, in one directory, as files
// step-<k>.ckpt. Each file is "TRAWLCK2", the payload's length (8 bytes,
// little-endian), the payload, and the payload's XXH3-64 (8 bytes). Files
// of trawl 0.1 ("TRAWLCK1", FNV-1a) are still read.
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

  // Writes durably, then deletes all but the newest `keep`. Throws Error
  // (with the OS's reason, e.g. no space) when the write fails; the files
  // already there are untouched then.
  void save(std::int64_t step, const std::string& payload) const;
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

// The container's bytes for a payload, and the payload back (or the reason not).
std::string encode_checkpoint(const std::string& payload);
std::optional<std::string> decode_checkpoint(const std::string& bytes, std::string& why);

}  // namespace trawl
