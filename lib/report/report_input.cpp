#include "report/report_input.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.hpp"
#include "core/overloaded.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

// A value's bytes as a map key: every value of a column has one type, and
// only the distinct ones are formatted.
std::string key_of(const Value& v) {
  return std::visit(Overloaded{[](const std::string& s) { return s; },
                               [](const auto& x) { return std::string(reinterpret_cast<const char*>(&x), sizeof x); }},
                    v);
}

void add_column(ParameterColumns& c, const std::string& name, const std::vector<Value>& values) {
  c.names.push_back(name);
  std::unordered_map<std::string, std::int32_t> code_of;
  std::vector<std::string> distinct;
  std::vector<std::int32_t> codes(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto [it, added] = code_of.emplace(key_of(values[i]), static_cast<std::int32_t>(distinct.size()));
    if (added) distinct.push_back(to_string(values[i]));
    codes[i] = it->second;
  }
  c.values.push_back(std::move(distinct));
  c.codes.push_back(std::move(codes));
  c.numeric.push_back(!values.empty() &&
                      (type_of(values[0]) == ValueType::integer || type_of(values[0]) == ValueType::real));
}

ParameterColumns parameter_columns(const TrialTable& t) {
  ParameterColumns c;
  for (const auto& [axis, values] : t.params) add_column(c, axis, values);
  add_column(c, "seed", std::vector<Value>(t.seed.begin(), t.seed.end()));
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
  in.maximize = store.attribute("mode") == "max";
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
  std::stable_sort(in.ranked.begin(), in.ranked.end(), [&](std::size_t a, std::size_t b) {
    return in.maximize ? score[a] > score[b] : score[a] < score[b];
  });
  return in;
}

}  // namespace trawl
