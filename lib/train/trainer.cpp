#include "train/trainer.hpp"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>

#include "comm/all_reduce.hpp"
#include "core/hash.hpp"
#include "slurm/environment.hpp"
#include "slurm/stop_signal.hpp"
#include "train/auc.hpp"
#include "train/dataset.hpp"
#include "train/grad_buckets.hpp"
#include "train/lr_schedule.hpp"
#include "train/model.hpp"
#include "train/weights.hpp"

#ifdef TRAWL_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace trawl {

namespace {

using Clock = std::chrono::steady_clock;
namespace F = torch::nn::functional;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

// Checks the values one trial was given (a grid may hold ones that cannot work).
void check_settings(const TrialSettings& t, std::int64_t examples, int ranks) {
  const auto& tr = t.train;
  require(tr.steps >= 1, "train.steps must be at least 1, not " + std::to_string(tr.steps));
  require(tr.batch_size >= 1, "train.batch_size must be at least 1, not " + std::to_string(tr.batch_size));
  require(tr.batch_size <= examples, "train.batch_size " + std::to_string(tr.batch_size) +
                                         " is larger than the training set (" + std::to_string(examples) +
                                         " examples)");
  require(tr.grad_accum >= 1, "train.grad_accum must be at least 1");
  require(tr.batch_size >= tr.grad_accum * ranks,
          "train.batch_size " + std::to_string(tr.batch_size) + " is smaller than train.grad_accum (" +
              std::to_string(tr.grad_accum) + ") x ranks_per_trial (" + std::to_string(ranks) +
              "): some rank would get no examples");
  require(tr.eval_every >= 1, "train.eval_every must be at least 1");
  require(tr.eval_batch_size >= 1, "train.eval_batch_size must be at least 1");
  require(tr.lr > 0 && std::isfinite(tr.lr), "train.lr must be positive");
  require(tr.warmup_steps >= 0, "train.warmup_steps must not be negative");
  require(tr.weight_decay >= 0, "train.weight_decay must not be negative");
  require(tr.grad_clip >= 0, "train.grad_clip must not be negative (0 turns clipping off)");
  require(tr.momentum >= 0 && tr.momentum < 1, "train.momentum must be in [0, 1)");
  require(tr.beta1 >= 0 && tr.beta1 < 1 && tr.beta2 >= 0 && tr.beta2 < 1, "train.beta1 and beta2 must be in [0, 1)");
  require(tr.min_lr_ratio >= 0 && tr.min_lr_ratio <= 1, "train.min_lr_ratio must be in [0, 1]");
  require(tr.label_smoothing >= 0 && tr.label_smoothing < 1, "train.label_smoothing must be in [0, 1)");
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

// bf16 autocast for CUDA, on for the guard's lifetime (the API moved in 2.4).
class AutocastGuard {
 public:
  explicit AutocastGuard(bool on) : on_(on) {
    if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
  }
  ~AutocastGuard() {
    if (!on_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
    at::autocast::set_enabled(false);
#endif
    at::autocast::clear_cache();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool on_;
};

// [first, last) of n items split into `parts` nearly equal pieces.
std::pair<std::int64_t, std::int64_t> piece(std::int64_t n, std::int64_t parts, std::int64_t index) {
  return {n * index / parts, n * (index + 1) / parts};
}

// Everything the loop carries from step to step besides model and optimizer.
struct LoopState {
  std::int64_t step = 0;  // optimizer steps done
  std::int64_t eval_index = 0, loss_steps = 0, examples_since_eval = 0;
  double loss_window = 0;
  double best = std::numeric_limits<double>::quiet_NaN();
  TrialOutcome outcome;
  torch::Tensor order;  // this epoch's example order (shuffled data)
};

void write_metrics(torch::serialize::OutputArchive& a, const std::string& key, const std::map<std::string, double>& m) {
  std::string names;
  std::vector<double> values;
  for (const auto& [name, value] : m) {
    names += name + "\n";
    values.push_back(value);
  }
  a.write(key + ".names", c10::IValue(names));
  a.write(key + ".values", torch::tensor(values, torch::kDouble));
}

std::map<std::string, double> read_metrics(torch::serialize::InputArchive& a, const std::string& key) {
  c10::IValue names;
  torch::Tensor values;
  a.read(key + ".names", names);
  a.read(key + ".values", values);
  std::map<std::string, double> m;
  std::size_t i = 0, start = 0;
  const std::string text = names.toStringRef();
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    m[text.substr(start, end - start)] = values[static_cast<std::int64_t>(i++)].item<double>();
  return m;
}

torch::Tensor generator_state(at::Generator& generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator& generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// The checkpoint payload: only what the fine-tune changes. Frozen parameters
// come from the base weights, which the checkpoint names by hash.
std::string save_state(Model& model, torch::optim::Optimizer& optimizer, at::Generator& data_generator,
                       const LoopState& s, const std::string& base_hash) {
  torch::serialize::OutputArchive a, params, buffers, opt;
  a.write("format", c10::IValue(std::int64_t{1}));
  a.write("base", c10::IValue(base_hash));
  for (const auto& [name, p] : model.named_parameters())
    if (p.requires_grad()) params.write(name, p.detach().cpu());
  for (const auto& [name, b] : model.named_buffers()) buffers.write(name, b.cpu(), true);
  a.write("params", params);
  a.write("buffers", buffers);
  optimizer.save(opt);
  a.write("optimizer", opt);
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  a.write("rng.cpu", generator_state(cpu));
  a.write("rng.data", generator_state(data_generator));
  if (s.order.defined()) a.write("order", s.order.cpu());
  a.write("loop.int", torch::tensor({s.step, s.eval_index, s.loss_steps, s.examples_since_eval, s.outcome.best_step},
                                    torch::kLong));
  a.write("loop.real", torch::tensor({s.loss_window, s.best}, torch::kDouble));
  write_metrics(a, "best", s.outcome.best_metrics);
  write_metrics(a, "final", s.outcome.final_metrics);
  return archive_bytes(a);
}

// Restores a checkpoint; throws Error when it does not fit this trial.
void load_state(const std::string& bytes, Model& model, torch::optim::Optimizer& optimizer,
                at::Generator& data_generator, LoopState& s, const std::string& base_hash, torch::Device device) {
  torch::serialize::InputArchive a, params, buffers, opt;
  a.load_from(bytes.data(), bytes.size());
  c10::IValue base;
  a.read("base", base);
  if (base.toStringRef() != base_hash) throw Error("it was made from other base weights");
  a.read("params", params);
  a.read("buffers", buffers);
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : model.named_parameters()) {
    if (!p.requires_grad()) continue;
    torch::Tensor value;
    if (!params.try_read(name, value) || value.sizes() != p.sizes())
      throw Error("it has no parameter '" + name + "' of this shape");
    p.copy_(value);
  }
  for (auto& [name, b] : model.named_buffers()) {
    torch::Tensor value;
    if (buffers.try_read(name, value, true)) b.copy_(value);
  }
  a.read("optimizer", opt);
  optimizer.load(opt);
  torch::Tensor state;
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  a.read("rng.cpu", state);
  set_generator_state(cpu, state);
  a.read("rng.data", state);
  set_generator_state(data_generator, state);
  torch::Tensor order;
  if (a.try_read("order", order)) s.order = order.to(device);
  torch::Tensor ints, reals;
  a.read("loop.int", ints);
  a.read("loop.real", reals);
  s.step = ints[0].item<std::int64_t>();
  s.eval_index = ints[1].item<std::int64_t>();
  s.loss_steps = ints[2].item<std::int64_t>();
  s.examples_since_eval = ints[3].item<std::int64_t>();
  s.outcome.best_step = ints[4].item<std::int64_t>();
  s.loss_window = reals[0].item<double>();
  s.best = reals[1].item<double>();
  s.outcome.best_metrics = read_metrics(a, "best");
  s.outcome.final_metrics = read_metrics(a, "final");
}

std::string base_hash(const TrialSettings& t) {
  StableHash hash;
  for (const std::string& file : {t.model.init, t.model.path})
    hash.add_field(file.empty() ? std::string("-") : hash_file(file));
  return hash.hex();
}

}  // namespace

struct Trainer::Impl {
  const Communicator* group;
  DataShape shape;
  std::string task;
  torch::Device device{torch::kCPU};
  LoadedData data;
  std::unique_ptr<GradientAllReduce> reduce;
  std::int64_t tokens_per_example = 1;  // of the trial being trained

  explicit Impl(const Communicator* g) : group(g) {}

  int ranks() const { return group ? group->size() : 1; }
  int rank() const { return group ? group->rank() : 0; }
  bool lm() const { return task == "lm"; }

  // Sum of the loss over a batch (and its tokens), so that shards add up exactly.
  torch::Tensor loss_sum(const torch::Tensor& out, const torch::Tensor& y, double smoothing) const {
    if (task == "classification")
      return F::cross_entropy(out, y, F::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(smoothing));
    if (lm())
      return F::cross_entropy(out.reshape({-1, out.size(-1)}), y.reshape({-1}),
                              F::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(smoothing));
    return (out - (y.dim() == 1 ? y.unsqueeze(1) : y)).pow(2).mean(1).sum();
  }

  double sum_over_group(double value) const {
    if (ranks() > 1) group->all_reduce(&value, &value, 1, MPI_DOUBLE, MPI_SUM);
    return value;
  }

  // Every rank evaluates its share of the validation set; sums and counts
  // are reduced before dividing, so the metrics are exact for any split.
  std::map<std::string, double> evaluate(Model& model, const DataView& view, std::int64_t batch, bool bf16) {
    torch::NoGradGuard no_grad;
    AutocastGuard autocast(bf16);
    model.train(false);
    const std::int64_t n = view.val_examples();
    auto [begin, end] = piece(n, ranks(), rank());
    double sums[3] = {0, 0, 0};  // loss, correct or absolute error, unused
    std::vector<float> scores;
    std::vector<std::int64_t> labels;
    for (std::int64_t first = begin; first < end; first += batch) {
      Batch b = view.val(first, std::min(end, first + batch));
      torch::Tensor x = b.x.to(device), y = b.y.to(device);
      torch::Tensor out = model.forward(x).to(torch::kFloat);
      sums[0] += loss_sum(out, y, 0.0).item<double>();
      if (task == "classification") {
        sums[1] += out.argmax(1).eq(y).sum().item<double>();
        if (shape.classes == 2) {
          torch::Tensor p = torch::softmax(out, 1).select(1, 1).contiguous().cpu();
          scores.insert(scores.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
          torch::Tensor l = y.cpu().contiguous();
          labels.insert(labels.end(), l.data_ptr<std::int64_t>(), l.data_ptr<std::int64_t>() + l.numel());
        }
      } else if (task == "regression") {
        sums[1] += (out - (y.dim() == 1 ? y.unsqueeze(1) : y)).abs().mean(1).sum().item<double>();
      }
    }
    if (ranks() > 1) group->all_reduce(sums, sums, 3, MPI_DOUBLE, MPI_SUM);
    model.train(true);
    const double count = static_cast<double>(n * tokens_per_example);
    std::map<std::string, double> metrics{{"val.loss", sums[0] / count}};
    if (task == "classification") {
      metrics["val.accuracy"] = sums[1] / count;
      if (shape.classes == 2) {
        if (ranks() > 1) {
          scores = group->all_gather(scores);
          labels = group->all_gather(labels);
        }
        metrics["val.auc"] = roc_auc(scores, labels);
      }
    } else if (task == "regression") {
      metrics["val.mae"] = sums[1] / count;
    } else {
      metrics["val.perplexity"] = std::exp(metrics["val.loss"]);
    }
    return metrics;
  }


  // Data-parallel groups must hold identical parameters after every trial.
  void check_replicas(Model& model) const {
    if (ranks() < 2) return;
    torch::NoGradGuard no_grad;
    double local = 0;
    for (auto& [name, p] : model.named_parameters()) local += p.to(torch::kDouble).sum().item<double>();
    double lo = local, hi = local;
    group->all_reduce(&lo, &lo, 1, MPI_DOUBLE, MPI_MIN);
    group->all_reduce(&hi, &hi, 1, MPI_DOUBLE, MPI_MAX);
    if (lo != hi) throw Error("the ranks of this group hold different parameters after training (sums " +
                              std::to_string(lo) + " and " + std::to_string(hi) + ")");
  }

  int agreed_stop(TrainingObserver& observer) const;
  TrialOutcome train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path,
                     const CheckpointPolicy& checkpoints);
};

Trainer::Trainer(const SweepSpec& spec, const DataShape& shape, const TrainerContext& context)
    : impl_(std::make_unique<Impl>(context.group)) {
  at::set_num_threads(std::max(1, context.threads));
  Impl& i = *impl_;
  i.shape = shape;
  i.task = spec.string("data.task");
  const std::string& wanted = spec.string("train.device");
  const bool cuda = wanted == "cuda" || (wanted == "auto" && torch::cuda::is_available());
  if (cuda) {
    if (!torch::cuda::is_available())
      throw input_error_at(spec.pos("train.device"), "train.device = \"cuda\" but torch sees no CUDA device");
    const int gpus = static_cast<int>(torch::cuda::device_count());
    const int local = static_cast<int>(env_integer("SLURM_LOCALID").value_or(context.local_rank));
    i.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local % gpus));
  }
  i.data = load_data(spec);
  for (torch::Tensor* t : {&i.data.train_x, &i.data.train_y, &i.data.val_x, &i.data.val_y})
    if (t->defined()) *t = t->to(i.device);
  if (i.ranks() > 1) {
    if (i.device.is_cuda()) {
      void* stream = nullptr;
#ifdef TRAWL_TORCH_CUDA
      stream = c10::cuda::getCurrentCUDAStream(i.device.index()).stream();
#endif
      i.reduce = make_nccl_all_reduce(*i.group, i.device.index(), stream);
    } else {
      i.reduce = make_mpi_all_reduce(*i.group);
    }
  }
}

Trainer::~Trainer() = default;

std::string Trainer::device_name() const {
  return impl_->device.str() + (impl_->reduce ? std::string(" (") + impl_->reduce->name() + " all-reduce)" : "");
}

TrialOutcome Trainer::train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path,
                            const CheckpointPolicy& checkpoints) {
  try {
    return impl_->train(trial, observer, save_path, checkpoints);
  } catch (const c10::Error& e) {
    // torch's own messages carry a C++ backtrace that helps no user.
    throw Error(e.what_without_backtrace());
  }
}

// 0 go on, 1 graceful stop, 2 immediate stop, 3 abandon the trial.
int Trainer::Impl::agreed_stop(TrainingObserver& observer) const {
  int level = static_cast<int>(stop_requested());
  if (!observer.keep_going()) level = 3;
  if (ranks() > 1) group->all_reduce(&level, &level, 1, MPI_INT, MPI_MAX);
  return level;
}

TrialOutcome Trainer::Impl::train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path,
                                  const CheckpointPolicy& checkpoints) {
  const TrainSettings& t = trial.train;
  const DataView view(data, trial.model.seq_len);
  tokens_per_example = lm() ? trial.model.seq_len : 1;
  check_settings(trial, view.train_examples(), ranks());
  const bool bf16 = t.precision == "bf16";
  require(!bf16 || device.is_cuda(), "train.precision = \"bf16\" needs a CUDA device; this trial runs on " +
                                         device.str());
  const auto started = Clock::now();

  torch::manual_seed(static_cast<std::uint64_t>(t.seed));
  std::unique_ptr<Model> model = make_model(trial, shape);
  if (!trial.model.init.empty()) load_weights(*model, trial.model.init);
  model->to(device);
  std::vector<torch::Tensor> params = apply_freeze(*model, trial.model.freeze);
  if (params.empty()) throw InputError("model.freeze leaves no parameter to train");
  auto optimizer = make_optimizer(t, params);
  std::unique_ptr<GradientBuckets> buckets;
  if (reduce) buckets = std::make_unique<GradientBuckets>(params, t.bucket_mb, *reduce);
  model->train(true);

  // Step k uses global batch k mod E of the epoch's order, E = floor(n/B).
  const std::int64_t batch = t.batch_size, examples = view.train_examples(), per_epoch = examples / batch;
  const double scale = 1.0 / static_cast<double>(batch * tokens_per_example);
  auto generator = at::detail::createCPUGenerator(static_cast<std::uint64_t>(t.seed));
  LoopState s;
  auto event = [&](const std::string& kind, const std::string& message) {
    if (checkpoints.on_event && rank() == 0) checkpoints.on_event(kind, message);
  };

  const std::string base = checkpoints.dir ? base_hash(trial) : "";
  if (checkpoints.dir && checkpoints.resume) {
    auto skipped = [&](const std::string& why) { event("checkpoint-skipped", why); };
    for (auto latest = checkpoints.dir->load_latest(skipped); latest;) {
      try {
        load_state(latest->payload, *model, *optimizer, generator, s, base, device);
        event("resumed", "from " + latest->path + " (step " + std::to_string(s.step) + ")");
        break;
      } catch (const std::exception& e) {
        // Start over rather than resume from something that does not fit.
        event("checkpoint-skipped", latest->path + ": " + e.what());
        CheckpointPolicy fresh = checkpoints;
        fresh.resume = false;
        return train(trial, observer, save_path, fresh);
      }
    }
  }
  auto last_checkpoint = Clock::now();
  auto checkpoint = [&]() {
    if (!checkpoints.dir) return;
    if (rank() == 0) {
      try {
        const auto begin = Clock::now();
        checkpoints.dir->save(s.step, save_state(*model, *optimizer, generator, s, base));
        s.outcome.checkpoint_seconds += seconds_since(begin);
        ++s.outcome.checkpoints_written;
      } catch (const std::exception& e) {
        // The last good checkpoint is still there; training goes on.
        event("checkpoint-failed", std::string("step ") + std::to_string(s.step) + ": " + e.what());
      }
    }
    last_checkpoint = Clock::now();
  };
  auto window_start = Clock::now();

  while (s.step < t.steps) {
    const std::int64_t step = s.step;
    const std::int64_t k = step % per_epoch;
    if (trial.data.shuffle && k == 0) s.order = torch::randperm(examples, generator, torch::kLong);
    torch::Tensor global = trial.data.shuffle ? s.order.slice(0, k * batch, (k + 1) * batch) : torch::Tensor();
    const double lr = learning_rate(t, step);
    for (auto& group_options : optimizer->param_groups()) group_options.options().set_lr(lr);
    optimizer->zero_grad();
    double local_loss = 0;
    for (std::int64_t m = 0; m < t.grad_accum; ++m) {
      auto [micro_begin, micro_end] = piece(batch, t.grad_accum, m);
      auto [shard_begin, shard_end] = piece(micro_end - micro_begin, ranks(), rank());
      const std::int64_t first = micro_begin + shard_begin, last = micro_begin + shard_end;
      // Unshuffled batches are contiguous: slice, do not gather.
      Batch b = trial.data.shuffle ? view.train(global.slice(0, first, last).to(device))
                                   : view.train(k * batch + first, k * batch + last);
      if (buckets && m + 1 == t.grad_accum) buckets->arm();
      torch::Tensor loss;
      {
        AutocastGuard autocast(bf16);
        loss = loss_sum(model->forward(b.x).to(torch::kFloat), b.y, t.label_smoothing);
      }
      (loss * scale).backward();
      local_loss += loss.item<double>();
    }
    if (buckets) buckets->finish();
    const double loss_value = sum_over_group(local_loss) * scale;
    if (!std::isfinite(loss_value)) {
      s.outcome.status = TrialStatus::diverged;
      s.outcome.steps = step;
      s.outcome.message = "loss is " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") + " at step " +
                          std::to_string(step + 1) + " (lr " + std::to_string(lr) + ")";
      break;
    }
    // After the all-reduce every rank holds the group's gradient, so the
    // local norm is the global norm and every rank clips alike.
    if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, t.grad_clip);
    optimizer->step();
    s.loss_window += loss_value;
    ++s.loss_steps;
    s.examples_since_eval += batch;
    s.step = step + 1;
    observer.on_step(s.step, t.steps);
    s.outcome.steps = s.step;

    if (s.step % t.eval_every == 0 || s.step == t.steps) {
      const double train_seconds = seconds_since(window_start);
      EvalPoint point{s.eval_index++, s.step, evaluate(*model, view, t.eval_batch_size, bf16)};
      point.metrics["train.loss"] = s.loss_window / static_cast<double>(s.loss_steps);
      s.loss_window = 0;
      s.loss_steps = 0;
      const double value = point.metrics.at(trial.metric);
      const bool better = std::isnan(s.best) || (trial.maximize ? value > s.best : value < s.best);
      if (better && std::isfinite(value)) {
        s.best = value;
        s.outcome.best_step = s.step;
        s.outcome.best_metrics = point.metrics;
      }
      s.outcome.final_metrics = point.metrics;
      const double throughput =
          static_cast<double>(s.examples_since_eval * tokens_per_example) / std::max(train_seconds, 1e-9);
      observer.on_eval(point, throughput, lm() ? "tokens/s" : "samples/s", lr);
      s.examples_since_eval = 0;
      window_start = Clock::now();
    }
    if (s.step == t.steps) break;
    const int stop = agreed_stop(observer);
    if (stop == 3) {  // the trial is another worker's now: touch nothing of it
      s.outcome.abandoned = true;
      break;
    }
    const bool due = (checkpoints.every_steps > 0 && s.step % checkpoints.every_steps == 0) ||
                     (checkpoints.every_seconds > 0 && seconds_since(last_checkpoint) >= checkpoints.every_seconds);
    if (stop == static_cast<int>(StopLevel::graceful) || (stop == 0 && due)) checkpoint();
    if (stop != 0) {
      s.outcome.interrupted = true;
      break;
    }
  }
  if (!s.outcome.interrupted && !s.outcome.abandoned) check_replicas(*model);
  if (!save_path.empty() && s.outcome.status == TrialStatus::done && !s.outcome.interrupted && rank() == 0)
    save_weights(*model, save_path);
  s.outcome.wall_seconds = seconds_since(started);
  return s.outcome;
}

}  // namespace trawl
