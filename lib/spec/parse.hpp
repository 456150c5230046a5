// lib/spec: TOML sweep file → validated SweepSpec. Checks everything that
// can be checked without opening the data (lib/train data_check.hpp checks
// the data).
// Throws InputError "file:line:col: message" on the first problem.
#pragma once

#include <cstdint>
#include <string>

#include "spec/sweep_spec.hpp"

namespace trawl {

// InputError for a path that is not a regular file of at most
// max_sweep_file_bytes (checked before anything is read).
constexpr std::uintmax_t max_sweep_file_bytes = 1 << 20;
SweepSpec parse_sweep_file(const std::string& path);
// `source_name` is the file name that messages show; relative paths resolve
// against `base_dir`.
SweepSpec parse_sweep_text(const std::string& text, const std::string& source_name,
                           const std::string& base_dir);

}  // namespace trawl
