// lib/store: the inputs a results file was made from. The hash of every
// input file (data, base weights, a model directory) is kept in the file's
// root attributes (docs/results-file.md), so a later run can say which file
// changed: the spec hash covers them too, but once a file has changed the
// sweep's own copy of itself hashes to the new contents.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/spec_hash.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

struct RecordedInputs {
  std::vector<InputFile> files;
  std::string hashed_at;  // when they were hashed, ISO 8601 UTC ("2026-12-04T18:30:05Z")
};

// The sweep's inputs hashed now.
RecordedInputs hash_inputs(const SweepSpec& spec);

// Throws InputError, naming the key, the file and when it was recorded, when
// an input of the sweep that made a results file has other contents now.
// `recorded` is what the file holds (nullopt for a file made
// before trawl recorded them), `recorded_spec_hash` its spec hash, `before` its sweep file parsed
// against where the sweep is now; `path` names the results file.
void check_inputs_unchanged(const std::string& path, const std::optional<RecordedInputs>& recorded,
                            const std::string& recorded_spec_hash, const SweepSpec& before);

}  // namespace trawl
