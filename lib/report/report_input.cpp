#include "report/report_input.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <unordered_map>

#include "core/error.hpp"
#include "core/overloaded.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

template <typename T>
std::string text_of(const T& value) {
  if constexpr (std::is_same_v<T, std::int8_t>) return to_string(Value(value != 0));  // a bool column
  else return to_string(Value(value));
}

// The codes of a column of one type: equal values (by their bytes, so NaN
// and -0 are values of their own) share a code; only the distinct ones are
// formatted.
template <typename T>
void add_column(ParameterColumns& c, const std::string& name, const std::vector<T>& values) {
  using Key = std::conditional_t<std::is_same_v<T, double>, std::uint64_t, T>;
  c.names.push_back(name);
  std::unordered_map<Key, std::int32_t> code_of;
  std::vector<std::string> distinct;
  std::vector<std::int32_t> codes(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    Key key;
    if constexpr (std::is_same_v<T, double>) std::memcpy(&key, &values[i], sizeof key);
    else key = values[i];
    const auto [it, added] = code_of.emplace(key, static_cast<std::int32_t>(distinct.size()));
    if (added) distinct.push_back(text_of(values[i]));
    codes[i] = it->second;
  }
  c.values.push_back(std::move(distinct));
  c.codes.push_back(std::move(codes));
  c.numeric.push_back(std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>);
}

ParameterColumns parameter_columns(const TrialTable& t) {
  ParameterColumns c;
  for (const auto& column : t.params)
    std::visit([&](const auto& values) { add_column(c, column.axis, values); }, column.values);
  add_column(c, "seed", t.seed);
  return c;
}

bool matches(const std::string& have, const std::string& want) {
  if (have == want) return true;
  const auto a = parse_double(have), b = parse_double(want);
  return a && b && same_value(Value(*a), Value(*b));
}

// Which trials the filters keep; a filter must name an axis and one of its values.
std::vector<bool> apply_filters(const ParameterColumns& params, std::size_t n, const ReportOptions& options) {
  std::vector<bool> kept(n, true);
  for (const auto& [axis, value] : options.filters) {
    auto it = std::find(params.names.begin(), params.names.end(), axis);
    if (it == params.names.end())
      throw InputError("--filter " + axis + "=" + value + ": '" + axis + "' is not an axis" +
                       did_you_mean(axis, params.names) + "; axes are " + join(params.names, ", "));
    const auto column = static_cast<std::size_t>(it - params.names.begin());
    const std::vector<std::string>& values = params.values[column];
    std::vector<bool> match(values.size());
    for (std::size_t v = 0; v < values.size(); ++v) match[v] = matches(values[v], value);
    for (std::size_t i = 0; i < n; ++i) kept[i] = kept[i] && match[static_cast<std::size_t>(params.codes[column][i])];
    const bool on_axis = std::find(match.begin(), match.end(), true) != match.end();
    if (!on_axis)
      throw InputError("--filter " + axis + "=" + value + ": '" + value + "' is not a value of " + axis +
                       "; its values are " + join(values, ", "));
  }
  return kept;
}

}  // namespace

ReportInput load_report_input(const std::string& where, const ReportOptions& options) {
  const ResultStore store = ResultStore::open_existing(results_file_in(where));
  ReportInput in;
  in.path = store.path();
  in.trials = store.read_trials(TrialColumns{true, {}, false});  // no owners: the report does not show them
  in.events = store.read_events();
  in.metric = store.attribute("metric");
  in.goal = goal_of_mode(store.attribute("mode"));
  in.constraints = store.constraints();
  in.params = parameter_columns(in.trials);
  in.pruning = summarize_pruning(store, in.trials);
  in.kept = apply_filters(in.params, in.size(), options);
  const std::vector<double>& score = in.score();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!in.kept[i]) continue;
    ++in.matched;
    ++in.counts[in.trials.status[i]];
    if (in.trials.status[i] == TrialStatus::done && std::isfinite(score[i])) in.ranked.push_back(i);
  }
  std::vector<char> meets(in.size(), 1);
  for (const std::size_t i : in.ranked) meets[i] = in.broken(i) == nullptr;
  std::stable_sort(in.ranked.begin(), in.ranked.end(), [&](std::size_t a, std::size_t b) {
    if (meets[a] != meets[b]) return meets[a] > meets[b];
    return better(score[a], score[b], in.goal);
  });
  in.feasible = static_cast<std::size_t>(std::count_if(in.ranked.begin(), in.ranked.end(),
                                                       [&](std::size_t i) { return meets[i] != 0; }));
  return in;
}

const Constraint* ReportInput::broken(std::size_t trial) const {
  return first_broken(constraints, trials.best_metrics, trial);
}

}  // namespace trawl
