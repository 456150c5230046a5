#include "train/trainer.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "h5/io.hpp"
#include "spec/metrics.hpp"
#include "train/auc.hpp"
#include "train/lr_schedule.hpp"
#include "train/mlp.hpp"
#include "train/weights.hpp"

namespace trawl {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

torch::Tensor read_tensor(hid_t file, const std::string& dataset, bool integers) {
  h5::Dataset d = h5::open_dataset(file, dataset);
  std::vector<std::int64_t> dims;
  for (auto n : h5::shape(d)) dims.push_back(static_cast<std::int64_t>(n));
  torch::Tensor t = torch::empty(dims, integers ? torch::kLong : torch::kFloat);
  if (t.numel() > 0) h5::read_all(d, integers ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT, t.data_ptr());
  return t;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

// Checks the values one trial was given (a grid may hold ones that cannot work).
void check_settings(const TrialSettings& t, std::int64_t train_rows) {
  const auto& tr = t.train;
  require(tr.steps >= 1, "train.steps must be at least 1, not " + std::to_string(tr.steps));
  require(tr.batch_size >= 1, "train.batch_size must be at least 1, not " + std::to_string(tr.batch_size));
  require(tr.batch_size <= train_rows, "train.batch_size " + std::to_string(tr.batch_size) +
                                           " is larger than the training set (" + std::to_string(train_rows) +
                                           " rows)");
  require(tr.eval_every >= 1, "train.eval_every must be at least 1");
  require(tr.eval_batch_size >= 1, "train.eval_batch_size must be at least 1");
  require(tr.lr > 0 && std::isfinite(tr.lr), "train.lr must be positive");
  require(tr.warmup_steps >= 0, "train.warmup_steps must not be negative");
  require(tr.weight_decay >= 0, "train.weight_decay must not be negative");
  require(tr.grad_clip >= 0, "train.grad_clip must not be negative (0 turns clipping off)");
  require(tr.momentum >= 0 && tr.momentum < 1, "train.momentum must be in [0, 1)");
  require(tr.beta1 >= 0 && tr.beta1 < 1 && tr.beta2 >= 0 && tr.beta2 < 1, "train.beta1 and beta2 must be in [0, 1)");
  require(tr.min_lr_ratio >= 0 && tr.min_lr_ratio <= 1, "train.min_lr_ratio must be in [0, 1]");
  require(t.model.hidden >= 1, "model.hidden must be at least 1");
  require(t.model.layers >= 0, "model.layers must not be negative");
  require(t.model.dropout >= 0 && t.model.dropout < 1, "model.dropout must be in [0, 1)");
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSettings& t, std::vector<torch::Tensor> params) {
  if (t.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).weight_decay(t.weight_decay));
  return std::make_unique<torch::optim::AdamW>(
      params, torch::optim::AdamWOptions(t.lr).betas(std::make_tuple(t.beta1, t.beta2)).eps(t.eps).weight_decay(
                  t.weight_decay));
}

}  // namespace

struct Trainer::Impl {
  DataShape shape;
  bool classification = true;
  torch::Tensor train_x, train_y, val_x, val_y;

  torch::Tensor loss(const torch::Tensor& out, const torch::Tensor& y) const {
    if (classification) return torch::nn::functional::cross_entropy(out, y);
    return torch::mse_loss(out, y.dim() == 1 ? y.unsqueeze(1) : y);
  }

  std::map<std::string, double> evaluate(Mlp& model, std::int64_t batch) const {
    torch::NoGradGuard no_grad;
    model->eval();
    const std::int64_t n = val_x.size(0);
    double loss_sum = 0, abs_sum = 0;
    std::int64_t correct = 0;
    std::vector<float> scores;
    for (std::int64_t first = 0; first < n; first += batch) {
      std::int64_t last = std::min(n, first + batch);
      torch::Tensor x = val_x.slice(0, first, last), y = val_y.slice(0, first, last);
      torch::Tensor out = model->forward(x);
      if (classification) {
        loss_sum += torch::nn::functional::cross_entropy(
                        out, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
        correct += out.argmax(1).eq(y).sum().item<std::int64_t>();
        if (shape.classes == 2) {
          torch::Tensor p = torch::softmax(out, 1).select(1, 1).contiguous();
          scores.insert(scores.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
        }
      } else {
        torch::Tensor diff = out - (y.dim() == 1 ? y.unsqueeze(1) : y);
        loss_sum += diff.pow(2).mean(1).sum().item<double>();
        abs_sum += diff.abs().mean(1).sum().item<double>();
      }
    }
    model->train();
    const double rows = static_cast<double>(n);
    std::map<std::string, double> metrics{{"val.loss", loss_sum / rows}};
    if (classification) {
      metrics["val.accuracy"] = static_cast<double>(correct) / rows;
      if (shape.classes == 2) {
        std::vector<std::int64_t> labels(val_y.data_ptr<std::int64_t>(), val_y.data_ptr<std::int64_t>() + n);
        metrics["val.auc"] = roc_auc(scores, labels);
      }
    } else {
      metrics["val.mae"] = abs_sum / rows;
    }
    return metrics;
  }
};

Trainer::Trainer(const SweepSpec& spec, const DataShape& shape, int threads) : impl_(std::make_unique<Impl>()) {
  at::set_num_threads(std::max(1, threads));
  impl_->shape = shape;
  impl_->classification = spec.string("data.task") == "classification";
  h5::File file = h5::open_file(spec.resolve_path(spec.string("data.path")), H5F_ACC_RDONLY);
  const bool integers = impl_->classification;
  impl_->train_x = read_tensor(file.get(), spec.string("data.train_x"), false);
  impl_->val_x = read_tensor(file.get(), spec.string("data.val_x"), false);
  impl_->train_y = read_tensor(file.get(), spec.string("data.train_y"), integers);
  impl_->val_y = read_tensor(file.get(), spec.string("data.val_y"), integers);
}

Trainer::~Trainer() = default;

TrialOutcome Trainer::train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path) {
  try {
    return train_trial(*impl_, trial, observer, save_path);
  } catch (const c10::Error& e) {
    // torch's own messages carry a C++ backtrace that helps no user.
    throw Error(e.what_without_backtrace());
  }
}

TrialOutcome Trainer::train_trial(const Impl& data, const TrialSettings& trial, TrainingObserver& observer,
                                  const std::string& save_path) {
  const TrainSettings& t = trial.train;
  const std::int64_t rows = data.train_x.size(0);
  check_settings(trial, rows);
  const auto started = Clock::now();

  torch::manual_seed(static_cast<std::uint64_t>(t.seed));
  Mlp model(data.shape.features, trial.model.hidden, trial.model.layers, data.shape.outputs, trial.model.dropout,
            trial.model.activation);
  if (!trial.model.init.empty()) load_weights(*model, trial.model.init);
  std::vector<torch::Tensor> params = apply_freeze(*model, trial.model.freeze);
  if (params.empty()) throw InputError("model.freeze leaves no parameter to train");
  auto optimizer = make_optimizer(t, params);
  model->train();

  // Batch k is rows [(k mod E)·B, (k mod E)·B + B) of the epoch's order, E = floor(n/B).
  const std::int64_t batch = t.batch_size, per_epoch = rows / batch;
  auto generator = at::detail::createCPUGenerator(static_cast<std::uint64_t>(t.seed));
  torch::Tensor order;

  TrialOutcome outcome;
  double loss_sum = 0;
  std::int64_t loss_count = 0, eval_index = 0;
  double best = std::numeric_limits<double>::quiet_NaN();
  double train_seconds = 0;
  std::int64_t samples_since_eval = 0;
  auto window_start = Clock::now();

  for (std::int64_t step = 0; step < t.steps; ++step) {
    const std::int64_t k = step % per_epoch;
    torch::Tensor x, y;
    if (trial.data.shuffle) {
      if (k == 0) order = torch::randperm(rows, generator, torch::kLong);
      torch::Tensor rows_of_batch = order.slice(0, k * batch, (k + 1) * batch);
      x = data.train_x.index_select(0, rows_of_batch);
      y = data.train_y.index_select(0, rows_of_batch);
    } else {
      x = data.train_x.slice(0, k * batch, (k + 1) * batch);
      y = data.train_y.slice(0, k * batch, (k + 1) * batch);
    }
    const double lr = learning_rate(t, step);
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
    optimizer->zero_grad();
    torch::Tensor loss = data.loss(model->forward(x), y);
    const double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value)) {
      outcome.status = TrialStatus::diverged;
      outcome.steps = step;
      outcome.message = "loss is " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") + " at step " +
                        std::to_string(step + 1) + " (lr " + std::to_string(lr) + ")";
      break;
    }
    loss.backward();
    if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, t.grad_clip);
    optimizer->step();
    loss_sum += loss_value;
    ++loss_count;
    samples_since_eval += batch;
    const std::int64_t done = step + 1;
    observer.on_step(done, t.steps);
    outcome.steps = done;

    if (done % t.eval_every == 0 || done == t.steps) {
      train_seconds = seconds_since(window_start);
      EvalPoint point{eval_index++, done, data.evaluate(model, t.eval_batch_size)};
      point.metrics["train.loss"] = loss_sum / static_cast<double>(loss_count);
      loss_sum = 0;
      loss_count = 0;
      const double value = point.metrics.at(trial.metric);
      const bool better = std::isnan(best) || (trial.maximize ? value > best : value < best);
      if (better && std::isfinite(value)) {
        best = value;
        outcome.best_step = done;
        outcome.best_metrics = point.metrics;
      }
      outcome.final_metrics = point.metrics;
      observer.on_eval(point, static_cast<double>(samples_since_eval) / std::max(train_seconds, 1e-9), lr);
      samples_since_eval = 0;
      window_start = Clock::now();
    }
  }
  if (!save_path.empty() && outcome.status == TrialStatus::done) save_weights(*model, save_path);
  outcome.wall_seconds = seconds_since(started);
  return outcome;
}

}  // namespace trawl
