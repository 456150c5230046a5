// lib/spec: a validated sweep file. Nothing here knows TOML; parse.hpp makes
// a SweepSpec from TOML text, and every later stage reads only this.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "spec/constraint.hpp"
#include "spec/value.hpp"

namespace trawl {

struct Setting {
  Value value;
  SourcePos pos;  // where the file sets it; unknown for a default
};

// One swept key and its values, in the order the file gives them.
struct Axis {
  std::string key;  // "train.lr"
  std::vector<Value> values;
  SourcePos pos;
};

// One digit of the grid: a single axis, or a zip group whose axes advance
// together (all of the same length).
struct Dimension {
  std::string name;  // the axis key, or "zip.<group>"
  std::vector<Axis> axes;
  SourcePos pos;
  std::size_t size() const { return axes.front().values.size(); }
};

// Drops every grid point whose axes take one of the listed values for every
// listed key.
struct Exclusion {
  std::vector<std::pair<std::string, std::vector<Value>>> match;
  SourcePos pos;
};

// The most trials a sweep holds: each has a row in results.h5 (the parser
// refuses a grid past it as its axes come, the Grid once exclusions count).
inline constexpr std::int64_t max_trials_per_sweep = 10'000'000;

struct SweepSpec {
  std::string path;      // the sweep file as given
  std::string text;      // its full text, recorded in the results file
  std::string base_dir;  // relative paths in the file resolve against this
  std::map<std::string, Setting> settings;  // every scalar key, defaults filled in
  std::vector<std::int64_t> seeds;          // grid dimension 0
  SourcePos seeds_pos;
  std::vector<std::string> freeze;  // model.freeze patterns
  SourcePos freeze_pos;             // where model.freeze is written
  std::vector<std::string> lora_targets;  // model.lora.targets: module names LoRA wraps
  SourcePos lora_targets_pos;
  std::vector<std::string> prune_group_by;  // axes whose values split the trials into cohorts
  SourcePos prune_group_by_pos;
  std::vector<Constraint> constraints;  // sweep.constraints, in the file's order
  std::vector<std::int64_t> infer_batch_sizes;  // inference is timed at each (none: not timed)
  SourcePos infer_batch_sizes_pos;
  std::vector<Dimension> dimensions;
  std::vector<Exclusion> exclusions;

  const Value& value(const std::string& key) const;
  const SourcePos& pos(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
  bool boolean(const std::string& key) const;

  // A path from the file, made absolute against base_dir.
  std::string resolve_path(const std::string& path) const;
  std::string results_dir() const;
  std::string results_file() const { return results_dir() + "/results.h5"; }
  // Names of the grid axes in dimension order ("seed" is not among them).
  std::vector<std::string> axis_names() const;
  const Axis* find_axis(const std::string& key) const;
};

}  // namespace trawl
