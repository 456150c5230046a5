// The marginal tables and the parameter importance (docs/report.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "report/report_input.hpp"

namespace trawl {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double mean(const std::vector<double>& v) {
  return v.empty() ? nan : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sample_std(const std::vector<double>& v) {
  if (v.size() < 2) return nan;
  double m = mean(v), sum = 0;
  for (double x : v) sum += (x - m) * (x - m);
  return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

// Grid points: trials that differ only by seed share a key; their spread
// over seeds is the noise an axis effect has to beat.
struct GridPoints {
  std::vector<std::string> key;                         // per trial
  std::map<std::string, std::vector<double>> scores;    // per key
};

GridPoints grid_points(const ReportInput& in) {
  GridPoints points;
  points.key.resize(in.size());
  const std::size_t axes = in.params.names.size() - 1;
  for (std::size_t i : in.ranked) {
    for (std::size_t a = 0; a < axes; ++a) points.key[i] += in.params.texts[a][i] + '\x1f';
    points.scores[points.key[i]].push_back(in.score()[i]);
  }
  return points;
}

struct AxisMarginal {
  Table table;
  double variance = 0;  // of the marginal means, weighted by trials
};

AxisMarginal marginal(const ReportInput& in, std::size_t a, const GridPoints& points, double overall) {
  const std::string& axis = in.params.names[a];
  const auto& texts = in.params.texts[a];
  std::vector<std::string> order;  // values in trial-id order, as the grid lists them
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in.kept[i] && std::find(order.begin(), order.end(), texts[i]) == order.end()) order.push_back(texts[i]);
  std::map<std::string, std::vector<double>> scores, spreads;
  std::map<std::string, std::vector<std::string>> seen_points;
  for (std::size_t i : in.ranked) {
    scores[texts[i]].push_back(in.score()[i]);
    auto& seen = seen_points[texts[i]];
    if (std::find(seen.begin(), seen.end(), points.key[i]) != seen.end()) continue;
    seen.push_back(points.key[i]);
    const double s = sample_std(points.scores.at(points.key[i]));
    if (!std::isnan(s)) spreads[texts[i]].push_back(s);
  }
  AxisMarginal m{Table{"marginal." + axis, "Marginal over " + axis + " (" + in.metric + ", done trials)",
                       {axis, "done", "mean", "best", "seed_spread"}, {}}};
  double weight = 0;
  for (const auto& v : order) {
    const auto& s = scores[v];
    double best = nan;
    for (double x : s) best = std::isnan(best) || (in.maximize ? x > best : x < best) ? x : best;
    m.table.rows.push_back({Cell{v, in.params.numeric[a]}, integer_cell(static_cast<long long>(s.size())),
                            number_cell(mean(s)), number_cell(best), number_cell(mean(spreads[v]))});
    if (s.empty()) continue;
    m.variance += static_cast<double>(s.size()) * std::pow(mean(s) - overall, 2);
    weight += static_cast<double>(s.size());
  }
  m.variance = weight > 0 ? m.variance / weight : 0.0;
  return m;
}

Table importance_table(std::vector<std::pair<std::string, double>> importance) {
  double total = 0;
  for (const auto& [axis, v] : importance) total += v;
  std::stable_sort(importance.begin(), importance.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  Table ranking{"importance", "Parameter importance (variance of marginal means, normalised)",
                {"rank", "axis", "importance", "variance"}, {}};
  for (std::size_t r = 0; r < importance.size(); ++r)
    ranking.rows.push_back({integer_cell(static_cast<long long>(r + 1)), text_cell(importance[r].first),
                            number_cell(total > 0 ? importance[r].second / total : nan),
                            number_cell(importance[r].second)});
  return ranking;
}

}  // namespace

std::vector<Table> marginal_tables(const ReportInput& in) {
  const GridPoints points = grid_points(in);
  double overall = 0;
  for (std::size_t i : in.ranked) overall += in.score()[i];
  overall /= static_cast<double>(std::max<std::size_t>(1, in.ranked.size()));
  std::vector<Table> tables;
  std::vector<std::pair<std::string, double>> importance;
  for (std::size_t a = 0; a + 1 < in.params.names.size(); ++a) {
    AxisMarginal m = marginal(in, a, points, overall);
    importance.emplace_back(in.params.names[a], m.variance);
    tables.push_back(std::move(m.table));
  }
  tables.push_back(importance_table(std::move(importance)));
  return tables;
}

}  // namespace trawl
