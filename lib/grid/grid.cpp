#include "grid/grid.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.hpp"
#include "core/text.hpp"
#include "spec/schema.hpp"

namespace trawl {

namespace {

// allowed[d][v]: whether value index v of digit d matches the exclusion.
// An empty vector means the exclusion does not mention digit d.
using Match = std::vector<std::vector<bool>>;

std::uint64_t checked_multiply(std::uint64_t a, std::uint64_t b, const std::string& what) {
  constexpr std::uint64_t limit = std::uint64_t{1} << 62;
  if (b != 0 && a > limit / b) throw InputError(what + " has more than 2^62 points");
  return a * b;
}

// Evaluation-only dimensions vary slowest, right after the seeds: each
// seed's first trials are then all different trainings, which workers run at
// once, and the trials that only evaluate their weights come after them.
std::vector<Dimension> trial_order(std::vector<Dimension> dims) {
  std::stable_partition(dims.begin(), dims.end(), evaluation_only_dimension);
  return dims;
}

}  // namespace

bool evaluation_only_dimension(const Dimension& d) {
  return std::all_of(d.axes.begin(), d.axes.end(), [](const Axis& a) { return evaluation_only(a.key); });
}

Grid::Grid(const SweepSpec& spec) : seeds_(spec.seeds), dims_(trial_order(spec.dimensions)) {
  if (seeds_.empty()) throw InputError(spec.path + ": the sweep has no seeds");
  const std::size_t digits = dim_count();

  // Which digits each exclusion pins, and to which value indices.
  std::vector<Match> matches;
  constrained_.assign(digits, false);
  for (const auto& exclusion : spec.exclusions) {
    Match match(digits);
    for (const auto& [key, values] : exclusion.match) {
      for (std::size_t d = 0; d < dims_.size(); ++d) {
        for (const auto& axis : dims_[d].axes) {
          if (axis.key != key) continue;
          std::vector<bool> allowed(axis.values.size(), false);
          for (std::size_t v = 0; v < axis.values.size(); ++v)
            for (const auto& x : values) allowed[v] = allowed[v] || same_value(axis.values[v], x);
          auto& slot = match[d + 1];
          if (slot.empty()) slot = allowed;
          else
            for (std::size_t v = 0; v < slot.size(); ++v) slot[v] = slot[v] && allowed[v];
          constrained_[d + 1] = true;
        }
      }
    }
    matches.push_back(std::move(match));
  }

  std::uint64_t full = 1;
  for (std::size_t d = 0; d < digits; ++d) full = checked_multiply(full, radix(d), spec.path + ": the grid");
  full_size_ = static_cast<std::int64_t>(full);

  free_after_.assign(digits, 1);
  for (std::size_t d = digits; d-- > 1;)
    free_after_[d - 1] = constrained_[d] ? free_after_[d] : free_after_[d] * radix(d);

  std::vector<std::size_t> constrained_digits;
  for (std::size_t d = 0; d < digits; ++d) {
    if (!constrained_[d]) continue;
    constrained_digits.push_back(d);
    constrained_points_ *= radix(d);
    if (constrained_points_ > static_cast<std::uint64_t>(max_constrained_points))
      throw InputError(spec.path + ": the axes that [[exclude]] tables name span more than " +
                       std::to_string(max_constrained_points) +
                       " combinations; exclude on fewer or shorter axes");
  }

  // Walk the constrained sub-grid in lexicographic order and count survivors.
  survivors_before_.assign(constrained_points_ + 1, 0);
  std::vector<std::size_t> index(digits, 0);
  for (std::uint64_t p = 0; p < constrained_points_; ++p) {
    bool excluded = std::any_of(matches.begin(), matches.end(), [&](const Match& m) {
      for (std::size_t d : constrained_digits)
        if (!m[d].empty() && !m[d][index[d]]) return false;
      return true;
    });
    survivors_before_[p + 1] = survivors_before_[p] + (excluded ? 0 : 1);
    for (std::size_t k = constrained_digits.size(); k-- > 0;) {
      std::size_t d = constrained_digits[k];
      if (++index[d] < radix(d)) break;
      index[d] = 0;
    }
  }
  std::uint64_t free_all = constrained_[0] ? free_after_[0] : free_after_[0] * radix(0);
  size_ = static_cast<std::int64_t>(free_all * survivors_before_.back());
  if (size_ == 0)
    throw input_error_at(spec.exclusions.front().pos,
                         "the [[exclude]] tables drop every point of the grid; no trial is left to run");
  if (size_ > max_trials) {
    std::vector<std::string> radices{std::to_string(seeds_.size()) + " seed(s)"};
    for (const auto& dim : dims_) radices.push_back(std::to_string(dim.size()) + " " + dim.name);
    throw input_error_at(dims_.empty() ? spec.seeds_pos : dims_.front().pos,
                         "the grid has " + std::to_string(size_) + " trials (" + join(radices, " x ") +
                             "); a sweep holds at most " + std::to_string(max_trials) +
                             " (each trial has a row in results.h5): narrow an axis or split the sweep");
  }
}

GridPosition Grid::position(TrialId id) const {
  if (id < 0 || id >= size_)
    throw Error("trial id " + std::to_string(id) + " is outside the grid (0.." +
                std::to_string(size_ - 1) + ")");
  std::uint64_t rest = static_cast<std::uint64_t>(id);
  std::uint64_t lo = 0, span = constrained_points_;
  GridPosition pos;
  pos.index.resize(dims_.size());
  for (std::size_t d = 0; d < dim_count(); ++d) {
    std::size_t value = 0;
    if (!constrained_[d]) {
      std::uint64_t block = free_after_[d] * survivors(lo, lo + span);
      value = static_cast<std::size_t>(rest / block);
      rest -= value * block;
    } else {
      std::uint64_t sub = span / radix(d);
      for (value = 0; value < radix(d); ++value) {
        std::uint64_t count = free_after_[d] * survivors(lo + value * sub, lo + (value + 1) * sub);
        if (rest < count) break;
        rest -= count;
      }
      lo += value * sub;
      span = sub;
    }
    if (d == 0) pos.seed_index = value;
    else pos.index[d - 1] = value;
  }
  return pos;
}

Trial Grid::trial(TrialId id) const {
  GridPosition pos = position(id);
  Trial trial;
  trial.id = id;
  trial.seed = seeds_[pos.seed_index];
  for (std::size_t d = 0; d < dims_.size(); ++d)
    for (const auto& axis : dims_[d].axes) trial.params.emplace_back(axis.key, axis.values[pos.index[d]]);
  return trial;
}

std::string Grid::identity(const Trial& trial) {
  std::vector<std::pair<std::string, Value>> params = trial.params;
  std::sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string text = "seed=" + std::to_string(trial.seed);
  char buf[32];
  for (const auto& [key, value] : params) {
    text += "\x1f" + key + "=";
    // Reals to 12 digits: regenerated axes (a longer linspace) differ in the last bits.
    if (type_of(value) == ValueType::real) {
      std::snprintf(buf, sizeof buf, "%.12g", std::get<double>(value));
      text += buf;
    } else {
      text += to_string(value);
    }
  }
  return text;
}

std::string Grid::label(const Trial& trial) {
  std::string text = identity(trial);
  std::replace(text.begin(), text.end(), '\x1f', ' ');
  return text;
}

bool Grid::shares_training() const {
  return std::any_of(dims_.begin(), dims_.end(), evaluation_only_dimension);
}

std::vector<std::string> Grid::axis_names() const {
  std::vector<std::string> names;
  for (const auto& dim : dims_)
    for (const auto& axis : dim.axes) names.push_back(axis.key);
  return names;
}

}  // namespace trawl
