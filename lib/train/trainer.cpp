#include "train/trainer.hpp"

#include <malloc.h>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "comm/all_reduce.hpp"
#include "core/hash.hpp"
#include "train/causal_lm.hpp"
#include "train/early_stopping.hpp"
#include "train/evaluate.hpp"
#include "train/grad_buckets.hpp"
#include "train/generation_metrics.hpp"
#include "train/infer_timing.hpp"
#include "train/lr_schedule.hpp"
#include "train/settings_check.hpp"
#include "train/torch_compat.hpp"
#include "train/weights.hpp"

#ifdef TRAWL_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace trawl {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSettings& t, std::vector<torch::Tensor> params) {
  if (t.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).weight_decay(t.weight_decay));
  return std::make_unique<torch::optim::AdamW>(
      params, torch::optim::AdamWOptions(t.lr).betas(std::make_tuple(t.beta1, t.beta2)).eps(t.eps).weight_decay(
                  t.weight_decay));
}

// What the group decides at a step boundary.
enum class StopDecision { go_on, checkpoint_and_stop, stop_now, abandon };

// One trial being trained: everything built for it, freed when it ends.
struct TrialRun {
  const TrialSettings& trial;
  DataView view;
  bool bf16;
  std::unique_ptr<Model> model;
  std::vector<torch::Tensor> params;  // the trainable ones
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<GradientBuckets> buckets;
  at::Generator generator;
  LoopCounters loop;
  TrialOutcome outcome;
  std::string base;      // base_hash, when it checkpoints
  std::string identity;  // CheckpointPolicy::identity
  Clock::time_point started = Clock::now(), window_start = Clock::now(), last_checkpoint = Clock::now();

  TrialRun(const TrialSettings& t, const LoadedData& data)
      : trial(t), view(data, t.model.seq_len), bf16(t.train.precision == "bf16"),
        generator(at::detail::createCPUGenerator(static_cast<std::uint64_t>(t.train.seed))) {}

  TrainState state() {
    NamedTensors trainable;
    for (auto& [name, p] : model->named_parameters())
      if (p.requires_grad()) trainable.emplace_back(name, p);
    return TrainState{trainable, model->named_buffers(), optimizer.get(), &generator, &loop, base, identity};
  }
};

// NCCL between GPUs, MPI between CPU ranks.
std::unique_ptr<GradientAllReduce> make_reduce(const Communicator& group, torch::Device device) {
  if (!device.is_cuda()) return make_mpi_all_reduce(group);
  void* stream = nullptr;
#ifdef TRAWL_TORCH_CUDA
  stream = c10::cuda::getCurrentCUDAStream(device.index()).stream();
#endif
  return make_nccl_all_reduce(group, device.index(), stream);
}

}  // namespace

struct Trainer::Impl {
  TrainerContext context;
  DataShape shape;
  EvalTask task;  // tokens_per_example set per trial
  LoadedData data;
  std::unique_ptr<GradientAllReduce> reduce;
  CausalLmBases bases;                            // read once, shared by trials
  std::map<std::string, std::string> file_hashes;  // of base files, by path

  std::string base_hash(const TrialSettings& t);

  int ranks() const { return task.ranks(); }
  int rank() const { return task.rank(); }
  bool lm() const { return task.task == "lm"; }

  std::unique_ptr<TrialRun> prepare(const TrialSettings& trial, const CheckpointPolicy& policy);
  bool resume(TrialRun& run, const CheckpointPolicy& policy) const;
  bool step(TrialRun& run) const;
  void eval_point(TrialRun& run, TrainingObserver& observer, double lr) const;
  void checkpoint(TrialRun& run, const CheckpointPolicy& policy) const;
  StopDecision agreed_stop(TrainingObserver& observer) const;
  void check_replicas(Model& model) const;
  std::map<std::string, double> inference_timings(TrialRun& run) const;
  void measure_final(TrialRun& run) const;
  TrialOutcome train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path,
                     const CheckpointPolicy& checkpoints, std::int64_t pause_at, const std::string& shared_path);
  std::map<std::string, double> evaluate_trained(const TrialSettings& trial, const std::string& shared_path,
                                                 const std::string& save_path);
};

// Names the frozen base a checkpoint was made from (model.init, model.path).
std::string Trainer::Impl::base_hash(const TrialSettings& t) {
  StableHash hash;
  for (const std::string& file : {t.model.init, t.model.path}) {
    if (!file.empty() && !file_hashes.count(file)) file_hashes[file] = hash_files(file);
    hash.add_field(file.empty() ? std::string("-") : file_hashes[file]);
  }
  return hash.hex();
}

namespace {

void event(const CheckpointPolicy& policy, int rank, const std::string& kind, const std::string& message) {
  if (policy.on_event && rank == 0) policy.on_event(kind, message);
}

}  // namespace

// Builds the trial's model (seeded, base weights loaded, frozen as asked),
// its optimizer and, in a group, its gradient buckets.
std::unique_ptr<TrialRun> Trainer::Impl::prepare(const TrialSettings& trial, const CheckpointPolicy& policy) {
  auto run = std::make_unique<TrialRun>(trial, data);
  task.tokens_per_example = run->view.tokens_per_example();
  check_settings(trial, run->view.train_examples(), ranks());
  if (run->bf16 && !task.device.is_cuda())
    throw InputError("train.precision = \"bf16\" needs a CUDA device; this trial runs on " + task.device.str());
  torch::manual_seed(static_cast<std::uint64_t>(trial.train.seed));
  run->model = make_model(trial, shape, BuildContext{task.device, &bases});
  if (!causal_lm_base(*run->model)) run->model->to(task.device);
  if (!trial.model.init.empty()) load_weights(*run->model, trial.model.init);
  run->params = apply_freeze(*run->model, trial.model.freeze);
  if (run->params.empty()) throw InputError("model.freeze leaves no parameter to train");
  run->optimizer = make_optimizer(trial.train, run->params);
  if (reduce) run->buckets = std::make_unique<GradientBuckets>(run->params, trial.train.bucket_mb, *reduce);
  run->model->train(true);
  if (policy.dir) run->base = base_hash(trial);
  run->identity = policy.identity;
  return run;
}

// Loads the newest good checkpoint; false when one verified but does not fit
// this trial (the run is then partly overwritten and must be built again).
bool Trainer::Impl::resume(TrialRun& run, const CheckpointPolicy& policy) const {
  auto skipped = [&](const std::string& why) { event(policy, rank(), "checkpoint-skipped", why); };
  auto latest = policy.dir->load_latest(skipped);
  if (!latest) return true;
  try {
    TrainState state = run.state();
    load_state(latest->payload, state, task.device);
  } catch (const std::exception& e) {
    event(policy, rank(), "checkpoint-skipped", latest->path + ": " + e.what());
    return false;
  }
  event(policy, rank(), "resumed", "from " + latest->path + " (step " + std::to_string(run.loop.step) + ")");
  return true;
}

// One optimizer step over the global batch (micro-batches, shards, all-reduce);
// false when the loss is not finite (the outcome then says diverged).
bool Trainer::Impl::step(TrialRun& run) const {
  const TrainSettings& t = run.trial.train;
  LoopCounters& s = run.loop;
  // Step k uses global batch k mod E of the epoch's order, E = floor(n/B).
  const std::int64_t batch = t.batch_size, per_epoch = run.view.train_examples() / batch, k = s.step % per_epoch;
  const bool shuffle = run.trial.data.shuffle;
  if (shuffle && k == 0) s.order = torch::randperm(run.view.train_examples(), run.generator, torch::kLong);
  torch::Tensor global = shuffle ? s.order.slice(0, k * batch, (k + 1) * batch) : torch::Tensor();
  // The loss is a mean over the global batch's targets (rows, or trained
  // tokens), whatever its split into micro-batches and ranks.
  const std::int64_t targets = shuffle ? run.view.train_targets(global) : run.view.train_targets(k * batch, (k + 1) * batch);
  const double lr = learning_rate(t, s.step), scale = 1.0 / static_cast<double>(std::max<std::int64_t>(1, targets));
  for (auto& group_options : run.optimizer->param_groups()) group_options.options().set_lr(lr);
  run.optimizer->zero_grad();
  // Summed on the device: the step's one host synchronisation is the read
  // below, which divergence detection needs before the update is applied.
  torch::Tensor local_loss = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(task.device));
  for (std::int64_t m = 0; m < t.grad_accum; ++m) {
    auto [micro_begin, micro_end] = piece(batch, t.grad_accum, m);
    auto [shard_begin, shard_end] = piece(micro_end - micro_begin, ranks(), rank());
    const std::int64_t first = micro_begin + shard_begin, last = micro_begin + shard_end;
    // Unshuffled batches are contiguous: slice, do not gather.
    Batch b = shuffle ? run.view.train(global.slice(0, first, last).to(task.device))
                      : run.view.train(k * batch + first, k * batch + last);
    if (run.buckets && m + 1 == t.grad_accum) run.buckets->arm();
    torch::Tensor loss;
    {
      AutocastGuard autocast(run.bf16);
      loss = loss_sum(task, run.model->forward(b.x.to(task.device)).to(torch::kFloat), b.y.to(task.device),
                      t.label_smoothing);
    }
    (loss * scale).backward();
    local_loss += loss.detach().to(torch::kDouble);
  }
  if (run.buckets) run.buckets->finish();
  double loss_value = local_loss.item<double>();
  if (ranks() > 1) context.group->all_reduce(&loss_value, &loss_value, 1, MPI_DOUBLE, MPI_SUM);
  loss_value *= scale;
  if (!std::isfinite(loss_value)) {
    run.outcome.status = TrialStatus::diverged;
    run.outcome.message = "loss is " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") + " at step " +
                          std::to_string(s.step + 1) + " (lr " + std::to_string(lr) + ")";
    return false;
  }
  // After the all-reduce every rank holds the group's gradient, so the
  // local norm is the global norm and every rank clips alike.
  if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(run.params, t.grad_clip);
  run.optimizer->step();
  s.loss_window += loss_value;
  ++s.loss_steps;
  s.examples_since_eval += batch;
  ++s.step;
  return true;
}

void Trainer::Impl::eval_point(TrialRun& run, TrainingObserver& observer, double lr) const {
  LoopCounters& s = run.loop;
  const double train_seconds = seconds_since(run.window_start);
  EvalPoint point{s.eval_index++, s.step, evaluate(task, *run.model, run.view, run.trial.train.eval_batch_size,
                                                   run.bf16)};
  point.metrics["train.loss"] =
      s.loss_steps > 0 ? s.loss_window / static_cast<double>(s.loss_steps) : std::numeric_limits<double>::quiet_NaN();
  s.loss_window = 0;
  s.loss_steps = 0;
  const double value = point.metrics.at(run.trial.metric);
  if (std::isfinite(value) && better(value, s.best, run.trial.goal)) {
    s.best = value;
    s.best_step = s.step;
    s.best_metrics = point.metrics;
  }
  s.final_metrics = point.metrics;
  count_patience(run.trial, value, s.patience_wait, s.patience_best);
  const double throughput =
      static_cast<double>(s.examples_since_eval * task.tokens_per_example) / std::max(train_seconds, 1e-9);
  observer.on_eval(point, throughput, lm() ? "tokens/s" : "samples/s", lr);
  s.examples_since_eval = 0;
  run.window_start = Clock::now();
}


// The group's first rank writes; a failed write keeps the last good one.
void Trainer::Impl::checkpoint(TrialRun& run, const CheckpointPolicy& policy) const {
  if (!policy.dir) return;
  if (rank() == 0) {
    try {
      const auto begin = Clock::now();
      policy.dir->save(run.loop.step, [&](const CheckpointDir::Sink& write) { save_state(run.state(), write); });
      run.outcome.checkpoint_seconds += seconds_since(begin);
      ++run.outcome.checkpoints_written;
    } catch (const std::exception& e) {
      event(policy, rank(), "checkpoint-failed", "step " + std::to_string(run.loop.step) + ": " + e.what());
    }
  }
  run.last_checkpoint = Clock::now();
}

// Every rank asks; the group acts on the most urgent answer of any of them.
StopDecision Trainer::Impl::agreed_stop(TrainingObserver& observer) const {
  int level = static_cast<int>(context.stop_requested());
  if (!observer.keep_going()) level = static_cast<int>(StopDecision::abandon);
  if (ranks() > 1) context.group->all_reduce(&level, &level, 1, MPI_INT, MPI_MAX);
  switch (level) {
    case 0: return StopDecision::go_on;
    case static_cast<int>(StopLevel::graceful): return StopDecision::checkpoint_and_stop;
    case static_cast<int>(StopLevel::immediate): return StopDecision::stop_now;
    default: return StopDecision::abandon;
  }
}

// Data-parallel groups must hold identical parameters after every trial.
void Trainer::Impl::check_replicas(Model& model) const {
  if (ranks() < 2) return;
  torch::NoGradGuard no_grad;
  double local = 0;
  for (auto& [name, p] : model.named_parameters()) local += p.to(torch::kDouble).sum().item<double>();
  double lo = local, hi = local;
  context.group->all_reduce(&lo, &lo, 1, MPI_DOUBLE, MPI_MIN);
  context.group->all_reduce(&hi, &hi, 1, MPI_DOUBLE, MPI_MAX);
  if (lo != hi)
    throw Error("the ranks of this group hold different parameters after training (sums " + std::to_string(lo) +
                " and " + std::to_string(hi) + ")");
}

// Every rank of the group times its own replica at once (as it trains, each
// on its device); the group records its first rank's figures. Every rank
// times the same batch sizes, so the maps hold the same names in the same
// order.
std::map<std::string, double> Trainer::Impl::inference_timings(TrialRun& run) const {
  if (run.trial.infer.batch_sizes.empty() && run.trial.infer.batch_size == 0) return {};
  std::map<std::string, double> timed = time_inference(*run.model, run.view, run.trial.infer, task.device, run.bf16);
  std::vector<double> values;
  for (const auto& [name, value] : timed) values.push_back(value);
  if (ranks() > 1) context.group->broadcast(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, 0);
  std::size_t i = 0;
  for (auto& [name, value] : timed) value = values[i++];
  return timed;
}

// What is measured once, on the final weights (inference timings, generated
// answers): the trial's final and best values alike.
void Trainer::Impl::measure_final(TrialRun& run) const {
  std::map<std::string, double> measured = inference_timings(run);
  if (run.trial.infer.max_new_tokens > 0) {
    AutocastGuard autocast(run.bf16);
    measured.merge(generation_metrics(*run.model, run.view, run.trial.infer, task, run.trial.model.seq_len));
  }
  for (const auto& [name, value] : measured) {
    run.outcome.final_metrics[name] = value;
    run.outcome.best_metrics[name] = value;
  }
}

std::map<std::string, double> Trainer::Impl::evaluate_trained(const TrialSettings& trial,
                                                               const std::string& shared_path,
                                                               const std::string& save_path) {
  std::unique_ptr<TrialRun> run = prepare(trial, {});
  try {
    load_weights(*run->model, shared_path);
  } catch (const InputError& e) {
    throw InputError("the weights its shared training left cannot be loaded (" + std::string(e.what()) +
                     "); remove " + std::filesystem::path(shared_path).parent_path().string() + " to train it again");
  }
  if (!save_path.empty() && rank() == 0) save_final(*run->model, save_path);
  measure_final(*run);
  return run->outcome.final_metrics;
}

TrialOutcome Trainer::Impl::train(const TrialSettings& trial, TrainingObserver& observer,
                                  const std::string& save_path, const CheckpointPolicy& policy,
                                  std::int64_t pause_at, const std::string& shared_path) {
  std::unique_ptr<TrialRun> run = prepare(trial, policy);
  // Start over rather than resume from a checkpoint that does not fit.
  if (policy.dir && policy.resume && !resume(*run, policy)) run = prepare(trial, policy);
  TrialRun& r = *run;
  LoopCounters& s = r.loop;
  TrialOutcome& outcome = r.outcome;
  // The base model's own score, so each trial's improvement on it shows.
  if (trial.train.eval_at_start && s.step == 0 && s.eval_index == 0)
    eval_point(r, observer, learning_rate(trial.train, 0));
  while (s.step < trial.train.steps) {
    if (pause_at > 0 && s.step == pause_at) {  // resumed from the rung's checkpoint: its eval point is recorded already
      outcome.paused = true;
      break;
    }
    const double lr = learning_rate(trial.train, s.step);
    if (!step(r)) break;
    observer.on_step(s.step, trial.train.steps);
    if (s.step % trial.train.eval_every == 0 || s.step == trial.train.steps || is_rung(trial, s.step))
      eval_point(r, observer, lr);
    if (s.step == trial.train.steps) break;
    if (patience_ran_out(trial, s.patience_wait)) {
      outcome.stopped_early = true;
      break;
    }
    if (pause_at > 0 && s.step == pause_at) {  // a rung: the checkpoint is what the trial resumes from if promoted
      checkpoint(r, policy);
      outcome.paused = true;
      break;
    }
    const StopDecision stop = agreed_stop(observer);
    if (stop == StopDecision::abandon) {  // the trial is another worker's now: touch nothing of it
      outcome.abandoned = true;
      break;
    }
    const bool due = (policy.every_steps > 0 && s.step % policy.every_steps == 0) ||
                     (policy.every_seconds > 0 && seconds_since(r.last_checkpoint) >= policy.every_seconds);
    if (stop == StopDecision::checkpoint_and_stop || (stop == StopDecision::go_on && due)) checkpoint(r, policy);
    if (stop != StopDecision::go_on) {
      outcome.interrupted = true;
      break;
    }
  }
  outcome.steps = s.step;
  outcome.best_step = s.best_step;
  outcome.best_metrics = s.best_metrics;
  outcome.final_metrics = s.final_metrics;
  if (!outcome.interrupted && !outcome.abandoned) check_replicas(*r.model);
  const bool trained = outcome.status == TrialStatus::done && !outcome.interrupted && !outcome.paused &&
                       !outcome.abandoned;
  if (trained) measure_final(r);
  if (!save_path.empty() && trained && rank() == 0) save_final(*r.model, save_path);
  if (!shared_path.empty() && trained && rank() == 0) save_weights(*r.model, shared_path, WhichWeights::trained);
  outcome.wall_seconds = seconds_since(r.started);
  return outcome;
}

namespace {

// A training step frees and allocates the same large tensors every time.
// glibc returns blocks over 128 KiB to the kernel when they are freed, and
// trims the heap's top, so every step faults their pages in again: on this
// project's 2-core virtual machine that was a quarter of a small GPT's step
// (bench/train_throughput.py). Blocks up to 32 MiB now come from the heap,
// which keeps up to 512 MiB free for the next step. A user's MALLOC_*
// environment settings win. Failure only costs speed, so it is not an error.
void keep_freed_host_memory() {
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) (void)mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

}  // namespace

Trainer::Trainer(const SweepSpec& spec, const DataShape& shape, const TrainerContext& context)
    : impl_(std::make_unique<Impl>()) {
  at::set_num_threads(std::max(1, context.threads));
  keep_freed_host_memory();
  Impl& i = *impl_;
  i.context = context;
  i.shape = shape;
  i.task = EvalTask{spec.string("data.task"), shape.classes, 1, context.group, torch::Device(torch::kCPU)};
  const std::string& wanted = spec.string("train.device");
  const bool cuda = wanted == "cuda" || (wanted == "auto" && torch::cuda::is_available());
  if (cuda) {
    if (!torch::cuda::is_available())
      throw input_error_at(spec.pos("train.device"), "train.device = \"cuda\" but torch sees no CUDA device");
    const int gpus = static_cast<int>(torch::cuda::device_count());
    i.task.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(context.local_rank % gpus));
  }
  i.data = load_data(spec);
  i.data.to(i.task.device);
  if (i.ranks() > 1) i.reduce = make_reduce(*context.group, i.task.device);
}

Trainer::~Trainer() = default;

std::string Trainer::device_name() const {
  return impl_->task.device.str() +
         (impl_->reduce ? std::string(" (") + impl_->reduce->name() + " all-reduce)" : "");
}

TrialOutcome Trainer::train(const TrialSettings& trial, TrainingObserver& observer, const std::string& save_path,
                            const CheckpointPolicy& checkpoints, std::int64_t pause_at,
                            const std::string& shared_path) {
  try {
    return impl_->train(trial, observer, save_path, checkpoints, pause_at, shared_path);
  } catch (const c10::Error& e) {
    // torch's own messages carry a C++ backtrace that helps no user.
    throw Error(e.what_without_backtrace());
  }
}

std::map<std::string, double> Trainer::evaluate_trained(const TrialSettings& trial, const std::string& shared_path,
                                                        const std::string& save_path) {
  try {
    return impl_->evaluate_trained(trial, shared_path, save_path);
  } catch (const c10::Error& e) {
    throw Error(e.what_without_backtrace());
  }
}

}  // namespace trawl
