// lib/spec: the spec hash. It changes whenever anything that affects results
// changes: every setting except where results go and how work is shared
// (sweep.name, sweep.dir, sweep.schedule, train.threads, train.bucket_mb,
// checkpoint.*), the
// grid, exclusions, seeds, freeze patterns, and the bytes of the data file
// and of every base-weights file the sweep names.
#pragma once

#include <string>
#include <vector>

#include "spec/sweep_spec.hpp"

namespace trawl {

// One file (or model directory, or shard glob) a sweep reads, as the key that
// names it, its resolved path, and the hash of its contents (hash_files).
struct InputFile {
  std::string key, path, hash;
};
// Every input of the sweep, in the order of data.path, data.train_file,
// data.val_file, model.init, model.path, then the model.init axis; a path
// named twice is listed once. Reads (and hashes) each file.
std::vector<InputFile> input_files(const SweepSpec& spec);

std::string spec_hash(const SweepSpec& spec);
// The same without the grid (axes, zip groups, seeds, exclusions): equal
// settings hashes with different spec hashes mean only the grid changed.
std::string settings_hash(const SweepSpec& spec);
// Whether a setting is in the hash (sweep.name, sweep.dir... are not).
bool affects_results(const std::string& key);

}  // namespace trawl
