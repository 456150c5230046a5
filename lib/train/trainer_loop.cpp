// The training loop: one trial from its first step (or its checkpoint) to
// its last, an eval point, a checkpoint or an agreed stop on the way.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "train/early_stopping.hpp"
#include "train/lr_schedule.hpp"
#include "train/torch_compat.hpp"
#include "train/trainer_impl.hpp"

namespace trawl {

// One optimizer step over the global batch (micro-batches, shards, all-reduce);
// false when the loss is not finite (the outcome then says diverged).
bool Trainer::Impl::step(TrialRun& run) const {
  const TrainSettings& t = run.trial.train;
  LoopCounters& s = run.loop;
  // Step k uses global batch k mod E of the epoch's order, E = floor(n/B).
  const std::int64_t batch = t.batch_size, per_epoch = run.view->train_examples() / batch, k = s.step % per_epoch;
  const bool shuffle = run.trial.data.shuffle;
  if (shuffle && k == 0) s.order = torch::randperm(run.view->train_examples(), run.generator, torch::kLong);
  torch::Tensor global = shuffle ? s.order.slice(0, k * batch, (k + 1) * batch) : torch::Tensor();
  // The loss is a mean over the global batch's targets (rows, or trained
  // tokens), whatever its split into micro-batches and ranks.
  const std::int64_t targets = shuffle ? run.view->train_targets(global) : run.view->train_targets(k * batch, (k + 1) * batch);
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
    Batch b = shuffle ? run.view->train(global.slice(0, first, last).to(task.device))
                      : run.view->train(k * batch + first, k * batch + last);
    if (run.buckets && m + 1 == t.grad_accum) run.buckets->arm();
    torch::Tensor loss;
    {
      AutocastGuard autocast(run.bf16);
      loss = task.metrics->loss_sum(forward_batch(*run.model, b, task.device).to(torch::kFloat), b.y.to(task.device),
                                    t.label_smoothing);
    }
    (loss * scale).backward();
    local_loss += loss.detach().to(torch::kDouble);
  }
  if (run.buckets) run.buckets->finish();
  double loss_value = local_loss.item<double>();
  if (ranks() > 1) loss_value = context.group->all_reduce(loss_value, MPI_SUM);
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
  EvalPoint point{s.eval_index++, s.step, evaluate(task, *run.model, *run.view, run.trial.train.eval_batch_size,
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
  observer.on_eval(point, throughput, task.metrics->throughput_unit(), lr);
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
StopLevel Trainer::Impl::agreed_stop(TrainingObserver& observer) const {
  const StopLevel level = observer.keep_going() ? context.stop_requested() : StopLevel::abandon;
  return ranks() > 1 ? context.group->all_reduce(level, MPI_MAX) : level;
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
    const StopLevel stop = agreed_stop(observer);
    if (stop == StopLevel::abandon) {  // the trial is another worker's now: touch nothing of it
      outcome.abandoned = true;
      break;
    }
    const bool due = (policy.every_steps > 0 && s.step % policy.every_steps == 0) ||
                     (policy.every_seconds > 0 && seconds_since(r.last_checkpoint) >= policy.every_seconds);
    if (stop == StopLevel::graceful || (stop == StopLevel::none && due)) checkpoint(r, policy);
    if (stop != StopLevel::none) {
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
  if (!save_path.empty() && trained && rank() == 0) r.model->save_final(save_path);
  if (!shared_path.empty() && trained && rank() == 0) save_weights(*r.model, shared_path, WhichWeights::trained);
  outcome.wall_seconds = seconds_since(r.started);
  return outcome;
}

}  // namespace trawl
