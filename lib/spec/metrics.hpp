// lib/spec: the metrics each task reports, by name. The results file has a
// curve and a final/best column for each; sweep.metric must be one of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/goal.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

// The values data.task may take, each a task with its own metrics.
std::vector<std::string> task_names();
// classification: train.loss val.loss val.accuracy val.f1 (macro), and
// val.auc, val.precision and val.recall with two classes; regression:
// train.loss val.loss (MSE) val.mae; lm: train.loss val.loss val.perplexity
// val.accuracy.
std::vector<std::string> metric_names(const std::string& task, int classes = 2);
// Per batch size b of infer.batch_sizes: infer.latency_ms.b<b>,
// infer.p99_ms.b<b>, infer.throughput.b<b> (docs/evaluation.md); and
// infer.latency_ms, infer.p99_ms, infer.throughput when `single` (the
// trial's own infer.batch_size).
std::vector<std::string> infer_metric_names(const std::vector<std::int64_t>& batch_sizes, bool single = false);
// Whether infer.batch_size is set or a grid axis.
bool times_one_batch_size(const SweepSpec& spec);
// Whether infer.max_new_tokens is set or a grid axis: answers are generated
// (gen.exact_match, gen.token_accuracy, gen.tokens_per_s, gen.latency_ms).
bool generates(const SweepSpec& spec);
// infer.* and gen.* metrics: measured once, on the final weights, never at
// an eval point.
bool measured_after_training(const std::string& metric);
// Everything a sweep records: its task's metrics, then its inference
// timings and generation scores.
std::vector<std::string> sweep_metrics(const SweepSpec& spec, int classes = 2);

Goal goal_of_mode(const std::string& mode);  // "min" or "max"
const char* mode_name(Goal goal);             // and back
// The way a metric improves, sweep.mode's default for it (minimize for a
// name trawl does not record).
Goal goal_of_metric(const std::string& metric);

// The one comparison of metric values that trawl makes: whether `a` beats
// `b` by more than `margin` toward `goal`. NaN never beats anything, and any
// number beats NaN (a first value, or a metric undefined so far). The
// trainer's best point, patience, halving, report, marginals and status all
// call it, so they never disagree.
bool better(double a, double b, Goal goal, double margin = 0);

}  // namespace trawl
