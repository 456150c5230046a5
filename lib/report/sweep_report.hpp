// lib/report: `trawl report`. The trials a report ranks are the done ones;
// their score is best/<sweep.metric> (the best eval point of each trial).
//
// Parameter importance is the variance of an axis's marginal means: for axis
// a with values v, m_v is the mean score of done trials with a = v, and
// importance(a) = Σ n_v (m_v − m̄)² / Σ n_v, normalised so the axes sum to 1.
// It is a main-effects analysis of variance over the grid: an axis whose
// values move the score most ranks first.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "report/table.hpp"

namespace trawl {

struct ReportOptions {
  std::size_t top = 10;
  // axis=value pairs a trial must all match ("seed" is an axis here too).
  std::vector<std::pair<std::string, std::string>> filters;
};

// `where`: a sweep dir or a results file. Tables: summary, top, marginal.<axis>
// for each axis, importance, pareto when the sweep has constraints, problems,
// and rungs when the sweep prunes. A
// filter must name an axis (or "seed") and one of its values: InputError
// listing them otherwise.
std::vector<Table> sweep_report(const std::string& where, const ReportOptions& options);

// The tables one can pick: summary, top, marginals (every marginal.<axis>
// table as one, with an "axis" column), importance, pareto, problems, rungs.
const std::vector<std::string>& report_table_names();
// The one table of that name (a CSV file holds one table); InputError otherwise.
std::vector<Table> pick_table(const std::vector<Table>& tables, const std::string& name);

// "axis=value" → (axis, value); InputError when there is no '='.
std::pair<std::string, std::string> parse_filter(const std::string& text);

}  // namespace trawl
