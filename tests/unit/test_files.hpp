// Helpers shared by unit tests: scratch directories and small input files.
#pragma once

#include <string>

#include "spec/sweep_spec.hpp"

namespace trawl::test {

// A fresh empty directory under the build tree, unique to this process.
std::string scratch_dir(const std::string& name);
// A classification data set with `rows` rows of `features` features in
// train/x, train/y, val/x, val/y (labels 0..classes-1), written with lib/h5.
std::string write_classification_data(const std::string& path, int rows, int features, int classes);
// Parses TOML text as if it were the file "sweep.toml" in `dir`.
SweepSpec parse(const std::string& toml, const std::string& dir = ".");
// The message of the InputError that parsing `toml` throws ("" when none).
std::string parse_error(const std::string& toml);

}  // namespace trawl::test
