#include "report/report_input.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

ParameterColumns parameter_texts(const TrialTable& t) {
  ParameterColumns c;
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
    const auto& column = params.texts[static_cast<std::size_t>(it - params.names.begin())];
    std::vector<std::string> values;
    for (std::size_t i = 0; i < n; ++i) {
      kept[i] = kept[i] && matches(column[i], value);
      if (std::find(values.begin(), values.end(), column[i]) == values.end()) values.push_back(column[i]);
    }
    const bool on_axis = std::any_of(values.begin(), values.end(), [&](const auto& v) { return matches(v, value); });
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
  in.trials = store.read_trials();
  in.events = store.read_events();
  in.metric = store.attribute("metric");
  in.maximize = store.attribute("mode") == "max";
  in.params = parameter_texts(in.trials);
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
