// The marginal tables and the parameter importance (docs/report.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "report/report_input.hpp"

namespace trawl {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double mean(const std::vector<double>& v) {
  return v.empty() ? nan : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double sample_std(const double* v, std::size_t n) {
  if (n < 2) return nan;
  const double m = std::accumulate(v, v + n, 0.0) / static_cast<double>(n);
  double sum = 0;
  for (std::size_t k = 0; k < n; ++k) sum += (v[k] - m) * (v[k] - m);
  return std::sqrt(sum / static_cast<double>(n - 1));
}

// Grid points: trials that differ only by seed share a point; their spread
// over seeds is the noise an axis effect has to beat. Points are numbered in
// the order ranked trials first meet them; their scores lie in one array,
// point by point, each in ranked order.
struct GridPoints {
  std::vector<std::int64_t> point;   // per trial (-1: not ranked)
  std::vector<std::size_t> offset;   // per point, and one past the last
  std::vector<double> scores;

  double spread(std::size_t p) const { return sample_std(scores.data() + offset[p], offset[p + 1] - offset[p]); }
  std::size_t size() const { return offset.size() - 1; }
};

// Numbers the distinct keys (< `keys`) in the order they come: in an array
// when the keys are few enough, else in a hash map.
class KeyNumbers {
 public:
  KeyNumbers(std::uint64_t keys, std::size_t expected) {
    if (keys <= 4 * expected + 1024) dense_.assign(static_cast<std::size_t>(keys), -1);
    else sparse_.reserve(expected);
  }
  // The key's number, and whether it is new.
  std::pair<std::int64_t, bool> number(std::uint64_t key, std::int64_t next) {
    if (dense_.empty()) {
      const auto [it, added] = sparse_.emplace(key, next);
      return {it->second, added};
    }
    std::int64_t& slot = dense_[static_cast<std::size_t>(key)];
    const bool added = slot < 0;
    if (added) slot = next;
    return {slot, added};
  }

 private:
  std::vector<std::int64_t> dense_;
  std::unordered_map<std::uint64_t, std::int64_t> sparse_;
};

GridPoints grid_points(const ReportInput& in) {
  GridPoints points;
  points.point.assign(in.size(), -1);
  const std::size_t axes = in.params.names.size() - 1;
  std::uint64_t keys = 1;  // the axis codes in mixed radix: their product is at most the grid's size
  for (std::size_t a = 0; a < axes; ++a)
    keys = keys > (std::uint64_t{1} << 40) ? keys : keys * in.params.values[a].size();  // past 2^40: sparse anyway
  KeyNumbers index(keys, in.ranked.size());
  std::vector<std::size_t> count;
  for (std::size_t i : in.ranked) {
    std::uint64_t key = 0;
    for (std::size_t a = 0; a < axes; ++a)
      key = key * in.params.values[a].size() + static_cast<std::uint64_t>(in.params.codes[a][i]);
    const auto [number, added] = index.number(key, static_cast<std::int64_t>(count.size()));
    if (added) count.push_back(0);
    points.point[i] = number;
    ++count[static_cast<std::size_t>(number)];
  }
  points.offset.assign(count.size() + 1, 0);
  std::partial_sum(count.begin(), count.end(), points.offset.begin() + 1);
  points.scores.resize(in.ranked.size());
  std::vector<std::size_t> next(points.offset.begin(), points.offset.end() - 1);
  const std::vector<double>& score = in.score();
  for (std::size_t i : in.ranked) points.scores[next[static_cast<std::size_t>(points.point[i])]++] = score[i];
  return points;
}

struct AxisMarginal {
  Table table;
  double variance = 0;  // of the marginal means, weighted by trials
};

AxisMarginal marginal(const ReportInput& in, std::size_t a, const GridPoints& points, double overall) {
  const std::string& axis = in.params.names[a];
  const auto& codes = in.params.codes[a];
  const std::size_t values = in.params.values[a].size();
  std::vector<std::int32_t> order;  // values in trial-id order, as the grid lists them
  std::vector<bool> listed(values, false);
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in.kept[i] && !listed[static_cast<std::size_t>(codes[i])]) {
      listed[static_cast<std::size_t>(codes[i])] = true;
      order.push_back(codes[i]);
    }
  std::vector<std::vector<double>> scores(values), spreads(values);
  std::vector<bool> seen(points.size(), false);
  const std::vector<double>& score = in.score();
  for (std::size_t i : in.ranked) {
    const auto v = static_cast<std::size_t>(codes[i]);
    scores[v].push_back(score[i]);
    const auto p = static_cast<std::size_t>(points.point[i]);
    if (seen[p]) continue;
    seen[p] = true;
    const double s = points.spread(p);
    if (!std::isnan(s)) spreads[v].push_back(s);
  }
  AxisMarginal m{Table{"marginal." + axis, "Marginal over " + axis + " (" + in.metric + ", done trials)",
                       {axis, "done", "mean", "best", "seed_spread"}, {}}};
  double weight = 0;
  for (const std::int32_t code : order) {
    const auto& s = scores[static_cast<std::size_t>(code)];
    double best = nan;
    for (double x : s) best = better(x, best, in.goal) ? x : best;
    m.table.rows.push_back({Cell{in.params.values[a][static_cast<std::size_t>(code)], in.params.numeric[a]},
                            integer_cell(static_cast<long long>(s.size())), number_cell(mean(s)), number_cell(best),
                            number_cell(mean(spreads[static_cast<std::size_t>(code)]))});
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
  const std::vector<double>& score = in.score();
  for (std::size_t i : in.ranked) overall += score[i];
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
