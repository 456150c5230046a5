// lib/grid: the grid of a sweep, enumerated on demand.
//
// Trial ids are dense, 0..size()-1, and ordered like nested loops: seeds
// outermost, then the grid's dimensions (single axes and zip groups) in file
// order, the last one fastest; except that evaluation-only dimensions (every
// axis an infer.* key) come first, right after the seeds. Excluded points are
// skipped, so ids stay dense. Exclusions are handled by precomputing survivor counts over only the
// dimensions some exclusion mentions; everything else stays arithmetic.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "spec/sweep_spec.hpp"

namespace trawl {

using TrialId = std::int64_t;

// Where a trial sits: which seed, and the value index on each dimension.
struct GridPosition {
  std::size_t seed_index = 0;
  std::vector<std::size_t> index;  // one per Dimension, in order
};

struct Trial {
  TrialId id = 0;
  std::int64_t seed = 0;
  std::vector<std::pair<std::string, Value>> params;  // axis key → value, in axis order
};

// Whether every axis of `d` is evaluation-only (an infer.* key).
bool evaluation_only_dimension(const Dimension& d);

class Grid {
 public:
  explicit Grid(const SweepSpec& spec);

  // The most trials one sweep may hold; a larger grid is an InputError.
  static constexpr std::int64_t max_trials = max_trials_per_sweep;
  std::int64_t size() const { return size_; }
  // Points the product would have without exclusions (seeds included).
  std::int64_t full_size() const { return full_size_; }
  GridPosition position(TrialId id) const;
  Trial trial(TrialId id) const;

  // A trial's parameters as text that is equal for equal parameters in any
  // grid (seed and key=value pairs in key order): what "the same trial"
  // means when a grid grows.
  static std::string identity(const Trial& trial);
  // The same for people: "seed=0 train.lr=0.01" (identity, spaced).
  static std::string label(const Trial& trial);

  const std::vector<std::int64_t>& seeds() const { return seeds_; }
  const std::vector<Dimension>& dimensions() const { return dims_; }
  std::vector<std::string> axis_names() const;
  // Whether some trials differ only in evaluation-only (infer.*) axes, and so
  // share one training run.
  bool shares_training() const;

  // The largest product of the dimensions exclusions mention that is allowed.
  static constexpr std::int64_t max_constrained_points = 1 << 24;

 private:
  std::size_t dim_count() const { return dims_.size() + 1; }  // seeds are digit 0
  std::size_t radix(std::size_t digit) const { return digit == 0 ? seeds_.size() : dims_[digit - 1].size(); }
  std::uint64_t survivors(std::uint64_t begin, std::uint64_t end) const {
    return survivors_before_[end] - survivors_before_[begin];
  }

  std::vector<std::int64_t> seeds_;
  std::vector<Dimension> dims_;
  std::vector<bool> constrained_;                  // per digit
  std::vector<std::uint64_t> free_after_;          // per digit: product of unconstrained radices after it
  std::uint64_t constrained_points_ = 1;
  std::vector<std::uint64_t> survivors_before_;    // prefix counts over constrained points
  std::int64_t size_ = 0;
  std::int64_t full_size_ = 0;
};

}  // namespace trawl
