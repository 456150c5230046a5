#include "report/sweep_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "core/text.hpp"
#include "report/pareto.hpp"
#include "report/report_input.hpp"

namespace trawl {

namespace {

Table summary_table(const ReportInput& in, const ReportOptions& options) {
  Table summary{"summary", "Sweep", {"key", "value"}, {}};
  auto add = [&](const std::string& key, Cell value) { summary.rows.push_back({text_cell(key), std::move(value)}); };
  add("results", text_cell(in.path));
  add("metric", text_cell(in.metric + " (" + mode_name(in.goal) + ", best eval point of each trial)"));
  add("trials", integer_cell(static_cast<long long>(in.size())));
  if (!options.filters.empty()) {
    std::vector<std::string> f;
    for (const auto& [a, v] : options.filters) f.push_back(a + "=" + v);
    add("filter", text_cell(join(f, " ")));
    add("matching", integer_cell(static_cast<long long>(in.matched)));
  }
  for (std::size_t s = 0; s < trial_status_names().size(); ++s) {
    const auto it = in.counts.find(static_cast<TrialStatus>(s));
    add(trial_status_names()[s], integer_cell(it == in.counts.end() ? 0 : it->second));
  }
  const auto done = in.counts.find(TrialStatus::done);
  if (done != in.counts.end() && static_cast<std::size_t>(done->second) > in.ranked.size())
    add("unranked", text_cell(std::to_string(static_cast<std::size_t>(done->second) - in.ranked.size()) +
                              " done trial(s) whose " + in.metric + " is NaN" +
                              (in.ranked.empty() ? ": NaN for all (undefined on this data?)" : "")));
  if (!in.constraints.empty()) {
    add("constraints", text_cell(constraints_text(in.constraints)));
    add("feasible", integer_cell(static_cast<long long>(in.feasible)));
    add("infeasible", integer_cell(static_cast<long long>(in.ranked.size() - in.feasible)));
  }
  return summary;
}

// "yes", or the first constraint the trial breaks and its value.
Cell feasibility_cell(const ReportInput& in, std::size_t trial) {
  const Constraint* broken = in.broken(trial);
  if (!broken) return text_cell("yes");
  return text_cell("no: breaks " + broken->text() + " (" +
                   format_number(in.trials.best_metrics.at(broken->metric)[trial], "%.6g") + ")");
}

Table top_table(const ReportInput& in, const ReportOptions& options) {
  const std::size_t shown = std::min(options.top, in.ranked.size());
  Table top{"top",
            "Top " + std::to_string(shown) + " trials by " + in.metric +
                (in.constraints.empty() ? "" : ", those meeting every constraint first"),
            {"rank", "trial"},
            {}};
  top.columns.insert(top.columns.end(), in.params.names.begin(), in.params.names.end());
  const std::vector<double>& start = in.trials.start_metrics.at(in.metric);
  const bool has_start = std::any_of(start.begin(), start.end(), [](double v) { return std::isfinite(v); });
  if (has_start) top.columns.push_back("start/" + in.metric);  // the step-0 eval (train.eval_at_start)
  for (const std::string& c : {"best/" + in.metric, "final/" + in.metric, std::string("best_step"),
                              std::string("steps"), std::string("wall_seconds")})
    top.columns.push_back(c);
  for (const Constraint& c : in.constraints)
    if (c.metric != in.metric) top.columns.push_back("best/" + c.metric);
  if (!in.constraints.empty()) top.columns.push_back("feasible");
  const TrialTable& t = in.trials;
  for (std::size_t r = 0; r < shown; ++r) {
    const std::size_t i = in.ranked[r];
    std::vector<Cell> row{integer_cell(static_cast<long long>(r + 1)), integer_cell(static_cast<long long>(i))};
    for (std::size_t c = 0; c < in.params.names.size(); ++c) row.push_back(in.params.cell(c, i));
    if (has_start) row.push_back(number_cell(start[i]));
    row.push_back(number_cell(in.score()[i]));
    row.push_back(number_cell(t.final_metrics.at(in.metric)[i]));
    row.push_back(integer_cell(t.best_step[i]));
    row.push_back(integer_cell(t.steps[i]));
    row.push_back(number_cell(t.wall_seconds[i]));
    for (const Constraint& c : in.constraints)
      if (c.metric != in.metric) row.push_back(number_cell(t.best_metrics.at(c.metric)[i]));
    if (!in.constraints.empty()) row.push_back(feasibility_cell(in, i));
    top.rows.push_back(std::move(row));
  }
  return top;
}

// For each constrained metric, the done trials that no other beats in both
// it (the way its bound points) and sweep.metric.
Table pareto_table(const ReportInput& in) {
  Table pareto{"pareto", "Pareto front of " + in.metric + " against each constrained metric",
               {"constraint", "trial"}, {}};
  pareto.columns.insert(pareto.columns.end(), in.params.names.begin(), in.params.names.end());
  for (const std::string& c : {std::string("value"), "best/" + in.metric, std::string("feasible")})
    pareto.columns.push_back(c);
  const Objective score{&in.score(), in.goal};
  for (const Constraint& c : in.constraints) {
    const std::vector<double>& values = in.trials.best_metrics.at(c.metric);
    for (const std::size_t i : pareto_front(in.ranked, Objective{&values, c.favours()}, score)) {
      std::vector<Cell> row{text_cell(c.text()), integer_cell(static_cast<long long>(i))};
      for (std::size_t k = 0; k < in.params.names.size(); ++k) row.push_back(in.params.cell(k, i));
      row.push_back(number_cell(values[i]));
      row.push_back(number_cell(in.score()[i]));
      row.push_back(feasibility_cell(in, i));
      pareto.rows.push_back(std::move(row));
    }
  }
  return pareto;
}

// The last message recorded for each trial that did not finish well.
Table problems_table(const ReportInput& in) {
  std::map<std::int64_t, const StoreEvent*> reason;
  for (const auto& e : in.events)
    if (e.trial >= 0) reason[e.trial] = &e;
  Table problems{"problems", "Failed, diverged and pruned trials", {"trial", "status"}, {}};
  problems.columns.insert(problems.columns.end(), in.params.names.begin(), in.params.names.end());
  problems.columns.push_back("reason");
  for (std::size_t i = 0; i < in.size(); ++i) {
    const TrialStatus s = in.trials.status[i];
    if (!in.kept[i] || (s != TrialStatus::failed && s != TrialStatus::diverged && s != TrialStatus::pruned)) continue;
    std::vector<Cell> row{integer_cell(static_cast<long long>(i)), text_cell(to_string(s))};
    for (std::size_t c = 0; c < in.params.names.size(); ++c) row.push_back(in.params.cell(c, i));
    auto it = reason.find(static_cast<std::int64_t>(i));
    row.push_back(text_cell(it == reason.end() ? "" : it->second->message));
    problems.rows.push_back(std::move(row));
  }
  return problems;
}

// Successive halving's rungs, and the compute it and patience saved.
Table rungs_table(const ReportInput& in) {
  Table rungs{"rungs", "Successive halving and early stopping", {"rung", "step", "reached", "promoted", "pruned",
                                                                  "waiting"}, {}};
  const PruneSummary& p = in.pruning;
  for (const auto& r : p.rungs)
    rungs.rows.push_back({integer_cell(r.rung), integer_cell(r.step), integer_cell(r.reached),
                          integer_cell(r.promoted), integer_cell(r.pruned), integer_cell(r.waiting)});
  return rungs;
}

void add_compute_rows(const ReportInput& in, Table& summary) {
  const PruneSummary& p = in.pruning;
  if (!p.halving && p.stopped_early == 0) return;
  auto add = [&](const std::string& key, Cell value) { summary.rows.push_back({text_cell(key), std::move(value)}); };
  add("stopped_early", integer_cell(p.stopped_early));
  add("steps_run", integer_cell(p.steps_run));
  add("steps_full_grid", integer_cell(p.steps_full));
  add("compute_share", number_cell(p.steps_full > 0 ? static_cast<double>(p.steps_run) /
                                                          static_cast<double>(p.steps_full)
                                                    : 0.0));
}

// The marginal.<axis> tables as one: an "axis" and a "value" column first.
Table combined_marginals(const std::vector<Table>& tables) {
  Table all{"marginals", "Marginals over every axis", {"axis", "value", "done", "mean", "best", "seed_spread"}, {}};
  for (const auto& t : tables) {
    if (t.name.rfind("marginal.", 0) != 0) continue;
    for (const auto& row : t.rows) {
      std::vector<Cell> cells{text_cell(t.columns.front())};
      cells.insert(cells.end(), row.begin(), row.end());
      all.rows.push_back(std::move(cells));
    }
  }
  return all;
}

}  // namespace

std::pair<std::string, std::string> parse_filter(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--filter '" + text + "' must look like axis=value, e.g. train.optimizer=adamw");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::vector<Table> sweep_report(const std::string& where, const ReportOptions& options) {
  const ReportInput in = load_report_input(where, options);
  std::vector<Table> tables{summary_table(in, options), top_table(in, options)};
  add_compute_rows(in, tables.front());
  for (auto& table : marginal_tables(in)) tables.push_back(std::move(table));
  if (!in.constraints.empty()) tables.push_back(pareto_table(in));
  tables.push_back(problems_table(in));
  if (in.pruning.halving) tables.push_back(rungs_table(in));
  return tables;
}

const std::vector<std::string>& report_table_names() {
  static const std::vector<std::string> names{"summary", "top",      "marginals", "importance",
                                              "pareto",  "problems", "rungs"};
  return names;
}

std::vector<Table> pick_table(const std::vector<Table>& tables, const std::string& name) {
  if (name == "marginals") return {combined_marginals(tables)};
  for (const auto& t : tables)
    if (t.name == name) return {t};
  if (name == "pareto") throw InputError("--table pareto: this sweep has no sweep.constraints, so no Pareto front");
  if (name == "rungs") throw InputError("--table rungs: this sweep does not prune (prune.rule = \"none\")");
  throw InputError("--table " + name + " is not one of " + join(report_table_names(), ", "));
}

}  // namespace trawl
