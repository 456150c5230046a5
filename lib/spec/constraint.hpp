// lib/spec: a bound a trial's metric must meet for the trial to be chosen
// (sweep.constraints = ["infer.p99_ms.b1 <= 80", ...]). Trials that break
// one are still run and recorded; they are ranked after those that meet all.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "spec/goal.hpp"

namespace trawl {

struct Constraint {
  std::string metric;
  std::string op;  // "<=", "<", ">=" or ">"
  double bound = 0;
  SourcePos pos;  // of the constraint's text in the sweep file

  // NaN (a trial that never measured it) meets nothing.
  bool holds(double value) const;
  // The way the bound points: an upper bound favours lower values.
  Goal favours() const { return op[0] == '<' ? Goal::minimize : Goal::maximize; }
  std::string text() const;  // "metric op bound"
};

// Every constraint's text(), joined by ", ".
std::string constraints_text(const std::vector<Constraint>& constraints);

// "metric op number", spaces optional around the operator. `pos` is where
// the text's opening quote is: an error points at the offending character,
// and says what was expected there (InputError).
Constraint parse_constraint(const std::string& text, const SourcePos& pos);

// The first constraint that trial `row` breaks, its values read from
// `columns` (a column per metric, a row per trial), or nullptr.
const Constraint* first_broken(const std::vector<Constraint>& constraints,
                               const std::map<std::string, std::vector<double>>& columns, std::size_t row);

}  // namespace trawl
