#include "train/trainer.hpp"

#include <malloc.h>

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/hash.hpp"
#include "train/generation_metrics.hpp"
#include "train/infer_timing.hpp"
#include "train/settings_check.hpp"
#include "train/torch_compat.hpp"
#include "train/trainer_impl.hpp"

#ifdef TRAWL_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace trawl {

namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainSettings& t, std::vector<torch::Tensor> params) {
  if (t.optimizer == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).weight_decay(t.weight_decay));
  return std::make_unique<torch::optim::AdamW>(
      params, torch::optim::AdamWOptions(t.lr).betas(std::make_tuple(t.beta1, t.beta2)).eps(t.eps).weight_decay(
                  t.weight_decay));
}

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

// Names the frozen base a checkpoint was made from (model.init, model.path).
std::string Trainer::Impl::base_hash(const TrialSettings& t) {
  StableHash hash;
  for (const std::string& file : {t.model.init, t.model.path}) {
    if (!file.empty() && !file_hashes.count(file)) file_hashes[file] = hash_files(file);
    hash.add_field(file.empty() ? std::string("-") : file_hashes[file]);
  }
  return hash.hex();
}

// Builds the trial's model (seeded, base weights loaded, frozen as asked),
// its optimizer and, in a group, its gradient buckets.
std::unique_ptr<TrialRun> Trainer::Impl::prepare(const TrialSettings& trial, const CheckpointPolicy& policy) {
  auto run = std::make_unique<TrialRun>(trial, *data);
  task.tokens_per_example = run->view->tokens_per_example();
  check_settings(trial, run->view->train_examples(), ranks());
  if (run->bf16 && !task.device.is_cuda())
    throw InputError("train.precision = \"bf16\" needs a CUDA device; this trial runs on " + task.device.str());
  torch::manual_seed(static_cast<std::uint64_t>(trial.train.seed));
  run->model = make_model(trial, shape, BuildContext{task.device, &bases});
  if (!trial.model.init.empty()) load_weights(*run->model, trial.model.init);
  run->params = apply_freeze(*run->model, trial.model.freeze);
  if (run->params.empty()) throw InputError("model.freeze leaves no parameter to train", "model.freeze");
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

// Data-parallel groups must hold identical parameters after every trial.
void Trainer::Impl::check_replicas(Model& model) const {
  if (ranks() < 2) return;
  torch::NoGradGuard no_grad;
  double local = 0;
  for (auto& [name, p] : model.named_parameters()) local += p.to(torch::kDouble).sum().item<double>();
  const double lo = context.group->all_reduce(local, MPI_MIN), hi = context.group->all_reduce(local, MPI_MAX);
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
  std::map<std::string, double> timed = time_inference(*run.model, *run.view, run.trial.infer, task.device, run.bf16);
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
    measured.merge(generation_metrics(*run.model, *run.view, run.trial.infer, task, run.trial.model.seq_len));
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
  if (!save_path.empty() && rank() == 0) run->model->save_final(save_path);
  measure_final(*run);
  return run->outcome.final_metrics;
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
  i.task = EvalTask{&task_metrics(spec.string("data.task")), shape.classes, 1, context.group, torch::Device(torch::kCPU)};
  const std::string& wanted = spec.string("train.device");
  const bool cuda = wanted == "cuda" || (wanted == "auto" && torch::cuda::is_available());
  if (cuda) {
    if (!torch::cuda::is_available())
      throw input_error_at(spec.pos("train.device"), "train.device = \"cuda\" but torch sees no CUDA device");
    const int gpus = static_cast<int>(torch::cuda::device_count());
    i.task.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(context.local_rank % gpus));
  }
  i.data = load_data(spec, shape);
  i.data->to(i.task.device);
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
