#include "spec/metrics.hpp"

#include <cmath>
#include <utility>

namespace trawl {

namespace {

// Which tasks measure a metric at each eval point.
enum TaskBit : unsigned { classification = 1, regression = 2, lm = 4, every_task = 7 };

// Every metric trawl records, in the order a results file lists them. A
// metric is added here (its name, the way it improves, the tasks that have
// it) and computed in lib/train/task_metrics.cpp (val.*) or the inference
// and generation passes (infer.*, gen.*).
struct MetricInfo {
  const char* name;
  Goal goal;
  unsigned tasks = 0;            // TaskBits; 0: measured after training
  bool two_classes_only = false;  // classification with exactly two classes
};

const MetricInfo metric_table[] = {
    {"train.loss", Goal::minimize, every_task},
    {"val.loss", Goal::minimize, every_task},
    {"val.mae", Goal::minimize, regression},
    {"val.perplexity", Goal::minimize, lm},
    {"val.accuracy", Goal::maximize, classification | lm},
    {"val.f1", Goal::maximize, classification},
    {"val.auc", Goal::maximize, classification, true},
    {"val.precision", Goal::maximize, classification, true},
    {"val.recall", Goal::maximize, classification, true},
    // Per infer.batch_sizes entry b as <name>.b<b>; plain with infer.batch_size.
    {"infer.latency_ms", Goal::minimize},
    {"infer.p99_ms", Goal::minimize},
    {"infer.throughput", Goal::maximize},
    // With infer.max_new_tokens.
    {"gen.exact_match", Goal::maximize},
    {"gen.token_accuracy", Goal::maximize},
    {"gen.tokens_per_s", Goal::maximize},
    {"gen.latency_ms", Goal::minimize},
};

const std::pair<const char*, TaskBit> task_table[] = {
    {"classification", classification}, {"regression", regression}, {"lm", lm}};

unsigned task_bit(const std::string& task) {
  for (const auto& [name, bit] : task_table)
    if (task == name) return bit;
  return 0;
}

std::vector<std::string> names_with_prefix(const char* prefix) {
  std::vector<std::string> names;
  for (const MetricInfo& m : metric_table)
    if (std::string(m.name).rfind(prefix, 0) == 0) names.emplace_back(m.name);
  return names;
}

// infer.p99_ms.b8 -> infer.p99_ms
std::string without_batch_size(const std::string& metric) {
  const std::size_t dot = metric.rfind(".b");
  if (dot == std::string::npos || dot + 2 == metric.size()) return metric;
  for (std::size_t i = dot + 2; i < metric.size(); ++i)
    if (metric[i] < '0' || metric[i] > '9') return metric;
  return metric.substr(0, dot);
}

// The table's row of a metric (infer.p99_ms.b8 is infer.p99_ms's); nullptr
// for a name trawl does not record.
const MetricInfo* find_metric(const std::string& metric) {
  const std::string name = without_batch_size(metric);
  for (const MetricInfo& m : metric_table)
    if (name == m.name) return &m;
  return nullptr;
}

}  // namespace

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& task : task_table) names.emplace_back(task.first);
  return names;
}

std::vector<std::string> metric_names(const std::string& task, int classes) {
  std::vector<std::string> names;
  const unsigned bit = task_bit(task);
  for (const MetricInfo& m : metric_table)
    if ((m.tasks & bit) && !(m.two_classes_only && classes != 2)) names.emplace_back(m.name);
  return names;
}

std::vector<std::string> infer_metric_names(const std::vector<std::int64_t>& batch_sizes, bool single) {
  const std::vector<std::string> measures = names_with_prefix("infer.");
  std::vector<std::string> names;
  for (const std::int64_t b : batch_sizes)
    for (const auto& measure : measures) names.push_back(measure + ".b" + std::to_string(b));
  if (single) names.insert(names.end(), measures.begin(), measures.end());
  return names;
}

bool times_one_batch_size(const SweepSpec& spec) {
  return spec.find_axis("infer.batch_size") || spec.integer("infer.batch_size") > 0;
}

bool generates(const SweepSpec& spec) {
  return spec.find_axis("infer.max_new_tokens") || spec.integer("infer.max_new_tokens") > 0;
}

bool measured_after_training(const std::string& metric) {
  const MetricInfo* m = find_metric(metric);
  return m && m->tasks == 0;
}

std::vector<std::string> sweep_metrics(const SweepSpec& spec, int classes) {
  std::vector<std::string> names = metric_names(spec.string("data.task"), classes);
  for (auto& name : infer_metric_names(spec.infer_batch_sizes, times_one_batch_size(spec)))
    names.push_back(std::move(name));
  if (generates(spec))
    for (auto& name : names_with_prefix("gen.")) names.push_back(std::move(name));
  return names;
}

Goal goal_of_metric(const std::string& metric) {
  const MetricInfo* m = find_metric(metric);
  return m ? m->goal : Goal::minimize;
}

Goal goal_of_mode(const std::string& mode) { return mode == "max" ? Goal::maximize : Goal::minimize; }

const char* mode_name(Goal goal) { return goal == Goal::maximize ? "max" : "min"; }

bool better(double a, double b, Goal goal, double margin) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return goal == Goal::maximize ? a > b + margin : a < b - margin;
}

}  // namespace trawl
