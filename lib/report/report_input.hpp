// lib/report (internal): what every table of a report is computed from: the
// results file's trials, the filters applied, and the done trials ranked.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/sweep_report.hpp"
#include "report/table.hpp"
#include "spec/metrics.hpp"
#include "store/prune_summary.hpp"
#include "store/result_store.hpp"

namespace trawl {

// Every trial's parameters, one column per axis and "seed" last, each as a
// code per trial into the column's distinct values (as text, in the order
// trial ids first meet them): a million trials take no string each.
struct ParameterColumns {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> values;  // [column][code]
  std::vector<std::vector<std::int32_t>> codes;  // [column][trial]
  std::vector<bool> numeric;                     // per column
  const std::string& text(std::size_t column, std::size_t trial) const { return values[column][codes[column][trial]]; }
  Cell cell(std::size_t column, std::size_t trial) const { return Cell{text(column, trial), numeric[column]}; }
};

struct ReportInput {
  std::string path, metric;
  Goal goal = Goal::minimize;
  TrialTable trials;
  std::vector<StoreEvent> events;
  ParameterColumns params;
  std::vector<bool> kept;          // by the filters
  std::vector<Constraint> constraints;  // sweep.constraints
  // Done trials with a finite score: those that meet every constraint first,
  // each part best first.
  std::vector<std::size_t> ranked;
  std::size_t feasible = 0;  // how many of `ranked` meet every constraint
  std::map<TrialStatus, std::int64_t> counts;  // of kept trials
  std::size_t matched = 0;
  PruneSummary pruning;  // of every trial, filters or not

  std::size_t size() const { return trials.status.size(); }
  const std::vector<double>& score() const { return trials.best_metrics.at(metric); }
  // The first constraint trial i breaks (its best/<metric> values), or nullptr.
  const Constraint* broken(std::size_t trial) const;
};

ReportInput load_report_input(const std::string& where, const ReportOptions& options);

// The marginal.<axis> tables, then the importance ranking over the axes.
std::vector<Table> marginal_tables(const ReportInput& in);

}  // namespace trawl
