#include "report/sweep_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "core/text.hpp"
#include "store/result_store.hpp"

namespace trawl {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct Columns {
  std::vector<std::string> names;               // axes, then "seed"
  std::vector<std::vector<std::string>> texts;  // [column][trial]
  std::vector<bool> numeric;                    // per column
  Cell cell(std::size_t column, std::size_t trial) const {
    return Cell{texts[column][trial], numeric[column]};
  }
};

// Every trial's parameters as text, with the seed as a last column.
Columns parameter_texts(const TrialTable& t) {
  Columns c;
  for (const auto& [axis, values] : t.params) {
    c.names.push_back(axis);
    std::vector<std::string> texts;
    for (const auto& v : values) texts.push_back(to_string(v));
    c.texts.push_back(std::move(texts));
    c.numeric.push_back(!values.empty() && (type_of(values[0]) == ValueType::integer ||
                                            type_of(values[0]) == ValueType::real));
  }
  c.names.push_back("seed");
  std::vector<std::string> seeds;
  for (auto s : t.seed) seeds.push_back(std::to_string(s));
  c.texts.push_back(std::move(seeds));
  c.numeric.push_back(true);
  return c;
}

bool matches(const std::string& have, const std::string& want) {
  if (have == want) return true;
  char* end = nullptr;
  double a = std::strtod(have.c_str(), &end);
  if (end == have.c_str() || *end) return false;
  double b = std::strtod(want.c_str(), &end);
  if (end == want.c_str() || *end) return false;
  return same_value(Value(a), Value(b));
}

double mean(const std::vector<double>& v) {
  return v.empty() ? nan : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sample_std(const std::vector<double>& v) {
  if (v.size() < 2) return nan;
  double m = mean(v), sum = 0;
  for (double x : v) sum += (x - m) * (x - m);
  return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

}  // namespace

std::pair<std::string, std::string> parse_filter(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--filter '" + text + "' must look like axis=value, e.g. train.optimizer=adamw");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::vector<Table> sweep_report(const std::string& where, const ReportOptions& options) {
  const ResultStore store = ResultStore::open_existing(results_file_in(where));
  const TrialTable t = store.read_trials();
  const std::vector<StoreEvent> events = store.read_events();
  const std::string metric = store.attribute("metric");
  const bool maximize = store.attribute("mode") == "max";
  const Columns params = parameter_texts(t);
  const std::size_t n = t.status.size();
  const std::vector<double>& score = t.best_metrics.at(metric);
  const std::vector<double>& final_score = t.final_metrics.at(metric);

  // Which trials the filters keep.
  std::vector<bool> kept(n, true);
  for (const auto& [axis, value] : options.filters) {
    auto it = std::find(params.names.begin(), params.names.end(), axis);
    if (it == params.names.end())
      throw InputError("--filter " + axis + "=" + value + ": '" + axis + "' is not an axis" +
                       did_you_mean(axis, params.names) + "; axes are " + join(params.names, ", "));
    const auto& column = params.texts[static_cast<std::size_t>(it - params.names.begin())];
    for (std::size_t i = 0; i < n; ++i) kept[i] = kept[i] && matches(column[i], value);
  }

  std::vector<std::size_t> done;
  std::map<TrialStatus, std::int64_t> counts;
  std::size_t matched = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!kept[i]) continue;
    ++matched;
    ++counts[t.status[i]];
    if (t.status[i] == TrialStatus::done && std::isfinite(score[i])) done.push_back(i);
  }
  auto better = [&](std::size_t a, std::size_t b) {
    return maximize ? score[a] > score[b] : score[a] < score[b];
  };
  std::stable_sort(done.begin(), done.end(), better);

  std::vector<Table> tables;

  Table summary{"summary", "Sweep", {"key", "value"}, {}};
  auto add = [&](const std::string& key, Cell value) { summary.rows.push_back({text_cell(key), std::move(value)}); };
  add("results", text_cell(store.path()));
  add("metric", text_cell(metric + " (" + (maximize ? "max" : "min") + ", best eval point of each trial)"));
  add("trials", integer_cell(static_cast<long long>(n)));
  if (!options.filters.empty()) {
    std::vector<std::string> f;
    for (const auto& [a, v] : options.filters) f.push_back(a + "=" + v);
    add("filter", text_cell(join(f, " ")));
    add("matching", integer_cell(static_cast<long long>(matched)));
  }
  for (std::size_t s = 0; s < trial_status_names().size(); ++s)
    add(trial_status_names()[s], integer_cell(counts[static_cast<TrialStatus>(s)]));
  tables.push_back(std::move(summary));

  Table top{"top", "Top " + std::to_string(std::min(options.top, done.size())) + " trials by " + metric, {}, {}};
  top.columns = {"rank", "trial"};
  top.columns.insert(top.columns.end(), params.names.begin(), params.names.end());
  for (const char* c : {"best", "final", "best_step", "steps", "wall_seconds"})
    top.columns.push_back(std::string(c) == "best" || std::string(c) == "final" ? std::string(c) + "/" + metric : c);
  for (std::size_t r = 0; r < std::min(options.top, done.size()); ++r) {
    std::size_t i = done[r];
    std::vector<Cell> row{integer_cell(static_cast<long long>(r + 1)), integer_cell(static_cast<long long>(i))};
    for (std::size_t c = 0; c < params.names.size(); ++c) row.push_back(params.cell(c, i));
    row.push_back(number_cell(score[i]));
    row.push_back(number_cell(final_score[i]));
    row.push_back(integer_cell(t.best_step[i]));
    row.push_back(integer_cell(t.steps[i]));
    row.push_back(number_cell(t.wall_seconds[i]));
    top.rows.push_back(std::move(row));
  }
  tables.push_back(std::move(top));

  // Grid points: trials that differ only by seed share a key; their spread
  // over seeds is the noise an axis effect has to beat.
  const std::size_t axes = params.names.size() - 1;
  std::map<std::string, std::vector<double>> by_point;
  std::vector<std::string> point_key(n);
  for (std::size_t i : done) {
    for (std::size_t a = 0; a < axes; ++a) point_key[i] += params.texts[a][i] + '\x1f';
    by_point[point_key[i]].push_back(score[i]);
  }

  std::vector<std::pair<std::string, double>> importance;
  double overall = 0;
  for (std::size_t i : done) overall += score[i];
  overall /= std::max<std::size_t>(1, done.size());
  for (std::size_t a = 0; a < axes; ++a) {
    const std::string& axis = params.names[a];
    std::vector<std::string> order;  // values in trial-id order, as the grid lists them
    std::map<std::string, std::vector<double>> scores;
    std::map<std::string, std::vector<double>> spreads;
    std::map<std::string, std::vector<std::string>> seen_points;
    for (std::size_t i = 0; i < n; ++i)
      if (kept[i] && std::find(order.begin(), order.end(), params.texts[a][i]) == order.end())
        order.push_back(params.texts[a][i]);
    for (std::size_t i : done) {
      const std::string& v = params.texts[a][i];
      scores[v].push_back(score[i]);
      auto& points = seen_points[v];
      if (std::find(points.begin(), points.end(), point_key[i]) == points.end()) {
        points.push_back(point_key[i]);
        double s = sample_std(by_point[point_key[i]]);
        if (!std::isnan(s)) spreads[v].push_back(s);
      }
    }
    Table marginal{"marginal." + axis, "Marginal over " + axis + " (" + metric + ", done trials)",
                   {axis, "done", "mean", "best", "seed_spread"}, {}};
    double variance = 0, weight = 0;
    for (const auto& v : order) {
      const auto& s = scores[v];
      double best = nan;
      for (double x : s) best = std::isnan(best) || (maximize ? x > best : x < best) ? x : best;
      marginal.rows.push_back({Cell{v, params.numeric[a]}, integer_cell(static_cast<long long>(s.size())), number_cell(mean(s)),
                               number_cell(best), number_cell(mean(spreads[v]))});
      if (!s.empty()) {
        variance += static_cast<double>(s.size()) * std::pow(mean(s) - overall, 2);
        weight += static_cast<double>(s.size());
      }
    }
    tables.push_back(std::move(marginal));
    importance.emplace_back(axis, weight > 0 ? variance / weight : 0.0);
  }

  double total = 0;
  for (const auto& [axis, v] : importance) total += v;
  std::stable_sort(importance.begin(), importance.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Table ranking{"importance", "Parameter importance (variance of marginal means, normalised)",
                {"rank", "axis", "importance", "variance"}, {}};
  for (std::size_t r = 0; r < importance.size(); ++r)
    ranking.rows.push_back({integer_cell(static_cast<long long>(r + 1)), text_cell(importance[r].first),
                            number_cell(total > 0 ? importance[r].second / total : nan),
                            number_cell(importance[r].second)});
  tables.push_back(std::move(ranking));

  // The last failure message recorded for each trial that did not finish well.
  std::map<std::int64_t, const StoreEvent*> reason;
  for (const auto& e : events)
    if (e.trial >= 0) reason[e.trial] = &e;
  Table problems{"problems", "Failed, diverged and pruned trials", {"trial", "status"}, {}};
  problems.columns.insert(problems.columns.end(), params.names.begin(), params.names.end());
  problems.columns.push_back("reason");
  for (std::size_t i = 0; i < n; ++i) {
    const TrialStatus s = t.status[i];
    if (!kept[i] || (s != TrialStatus::failed && s != TrialStatus::diverged && s != TrialStatus::pruned)) continue;
    std::vector<Cell> row{integer_cell(static_cast<long long>(i)), text_cell(to_string(s))};
    for (std::size_t c = 0; c < params.names.size(); ++c) row.push_back(params.cell(c, i));
    auto it = reason.find(static_cast<std::int64_t>(i));
    row.push_back(text_cell(it == reason.end() ? "" : it->second->message));
    problems.rows.push_back(std::move(row));
  }
  tables.push_back(std::move(problems));
  return tables;
}

}  // namespace trawl
