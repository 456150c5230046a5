#include "sweep/shared_training.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "grid/trial_settings.hpp"
#include "spec/metrics.hpp"

namespace trawl {

namespace {

using nlohmann::json;

// JSON has no NaN: a metric not measured (train.loss at step 0) is null.
// What the trainer measured on its own evaluation-only settings is its own.
json metrics_json(const std::map<std::string, double>& metrics) {
  json out = json::object();
  for (const auto& [name, value] : metrics)
    if (!measured_after_training(name)) out[name] = std::isfinite(value) ? json(value) : json(nullptr);
  return out;
}

std::map<std::string, double> metrics_of(const json& in) {
  std::map<std::string, double> metrics;
  for (const auto& [name, value] : in.items())
    metrics[name] = value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
  return metrics;
}

json point_json(const EvalPoint& p) {
  return json{{"index", p.index}, {"step", p.step}, {"metrics", metrics_json(p.metrics)}};
}

EvalPoint point_of(const json& in) {
  return EvalPoint{in.at("index").get<std::int64_t>(), in.at("step").get<std::int64_t>(), metrics_of(in.at("metrics"))};
}

json read_json(const std::string& path) {
  try {
    return json::parse(read_text_file(path, "a shared training's record"));
  } catch (const json::exception& e) {
    throw Error(path + ": damaged (" + e.what() + "); remove the folder to train it again");
  }
}

}  // namespace

SharedTraining::SharedTraining(const std::string& results_dir, const Trial& trial, const std::string& settings_hash) {
  StableHash key;
  key.add_field(training_identity(trial));
  key.add_field(settings_hash);
  dir_ = results_dir + "/trained/" + key.hex();
  std::filesystem::create_directories(dir_);
}

// The eval points so far: those of earlier attempts (points.json), then ours.
std::map<std::int64_t, EvalPoint>& SharedTraining::points() {
  if (points_read_) return points_;
  if (std::filesystem::exists(dir_ + "/points.json"))
    for (const auto& p : read_json(dir_ + "/points.json")) points_[p.at("index").get<std::int64_t>()] = point_of(p);
  points_read_ = true;
  return points_;
}

void SharedTraining::add_point(const EvalPoint& point) {
  points()[point.index] = point;
  json all = json::array();
  for (const auto& [index, p] : points_) all.push_back(point_json(p));
  write_file_durably(dir_ + "/points.json", all.dump());
}

void SharedTraining::finish(TrialId trainer, const TrialOutcome& outcome) {
  json kept = json::array();
  for (const auto& [index, p] : points())
    if (p.step <= outcome.steps) kept.push_back(point_json(p));  // not a lost attempt's later ones
  const json record{{"trainer", trainer},
                    {"status", to_string(outcome.status)},
                    {"message", outcome.message},
                    {"steps", outcome.steps},
                    {"best_step", outcome.best_step},
                    {"wall_seconds", outcome.wall_seconds},
                    {"stopped_early", outcome.stopped_early},
                    {"final", metrics_json(outcome.final_metrics)},
                    {"best", metrics_json(outcome.best_metrics)},
                    {"points", kept}};
  write_file_durably(dir_ + "/outcome.json", record.dump(1));
}

std::optional<SharedTraining::Trained> SharedTraining::trained() const {
  const std::string path = dir_ + "/outcome.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  const json in = read_json(path);
  try {
    Trained t;
    t.trainer = in.at("trainer").get<TrialId>();
    t.outcome.status = trial_status_named(in.at("status").get<std::string>());
    t.outcome.message = in.at("message").get<std::string>();
    t.outcome.steps = in.at("steps").get<std::int64_t>();
    t.outcome.best_step = in.at("best_step").get<std::int64_t>();
    t.outcome.wall_seconds = in.at("wall_seconds").get<double>();
    t.outcome.stopped_early = in.at("stopped_early").get<bool>();
    t.outcome.final_metrics = metrics_of(in.at("final"));
    t.outcome.best_metrics = metrics_of(in.at("best"));
    t.outcome.trained_by = t.trainer;
    for (const auto& p : in.at("points")) t.points.push_back(point_of(p));
    return t;
  } catch (const std::exception& e) {
    throw Error(path + ": damaged (" + e.what() + "); remove the folder to train it again");
  }
}

}  // namespace trawl
