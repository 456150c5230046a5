// The Worker's part for trials that share one training run: those that
// differ only in evaluation-only (infer.*) axes (docs/evaluation.md). The
// first of them to run trains, holding the training's lock; the others wait
// for it, then load its weights and only evaluate. Every function here is
// collective over the rank group.
#include <chrono>
#include <optional>
#include <thread>

#include "core/text.hpp"
#include "store/file_lock.hpp"
#include "sweep/shared_training.hpp"
#include "sweep/trial_log.hpp"
#include "sweep/worker.hpp"

namespace trawl {

namespace {

enum class SharedStep : int { evaluate, train, wait };

}  // namespace

TrialOutcome Worker::run_shared(TrialId id, const TrialSettings& settings, TrainingObserver& observer,
                                TrialLog& log) {
  SharedTraining shared(spec_.results_dir(), grid_.trial(id), settings_hash_);
  bool said_wait = false;
  while (true) {
    const bool leader = groups_.leader();
    const bool trained = leader && shared.trained().has_value();
    // The leader's, while it trains; with the lock taken, it may have finished meanwhile.
    const std::optional<FileLock> lock =
        leader && !trained ? FileLock::try_exclusive(shared.lock_path()) : std::nullopt;
    SharedStep step = SharedStep::wait;
    if (trained || (lock && shared.trained())) step = SharedStep::evaluate;
    else if (lock) step = SharedStep::train;
    groups_.group.broadcast(step, 0);
    if (step == SharedStep::evaluate) return evaluate_shared(id, settings, shared, log);
    if (step == SharedStep::train) return train_shared(id, settings, observer, shared, log);
    if (!said_wait && groups_.leader())
      log.print(prefix_ + " trial " + std::to_string(id) + " waits: another worker trains the weights it shares\n");
    said_wait = true;
    TrialOutcome waited;
    if (stop_agreed()) {
      waited.interrupted = true;
      return waited;
    }
    bool ours = groups_.leader() ? observer.keep_going() : true;  // renews the lease
    groups_.group.broadcast(ours, 0);
    if (!ours) {
      waited.abandoned = true;
      return waited;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// Trains as any trial does, but the checkpoints, eval points and weights are
// the shared training's, so whoever takes it over resumes it, and an outcome
// that says how it ended is left for the siblings (a failure too: they fail
// alike, with its reason, without trying again).
TrialOutcome Worker::train_shared(TrialId id, const TrialSettings& settings, TrainingObserver& observer,
                                  SharedTraining& shared, TrialLog& log) {
  const CheckpointDir checkpoints(shared.checkpoint_dir(), static_cast<int>(spec_.integer("checkpoint.keep")));
  CheckpointPolicy policy{&checkpoints, spec_.integer("checkpoint.every_steps"), spec_.real("checkpoint.every_seconds"),
                          true, "the training (" + training_identity(grid_.trial(id)) + ") of settings " + settings_hash_,
                          [&](const std::string& kind, const std::string& message) { note(id, kind, message, &log); }};
  if (groups_.leader()) log.share_points_with(&shared);
  TrialOutcome outcome;
  try {
    outcome = trainer_->train(settings, observer, options_.save_final ? final_weights_path(spec_, id) : "", policy,
                              0, shared.weights_path());
  } catch (const InputError& e) {
    outcome.status = TrialStatus::failed;
    outcome.message = e.what();
  }
  log.share_points_with(nullptr);
  outcome.trained_by = id;
  if (groups_.leader() && !outcome.interrupted && !outcome.abandoned) shared.finish(id, outcome);
  return outcome;
}

// The trainer's training metrics and eval points, with what this trial
// measures itself on the trained weights.
TrialOutcome Worker::evaluate_shared(TrialId id, const TrialSettings& settings, const SharedTraining& shared,
                                     TrialLog& log) {
  const auto started = std::chrono::steady_clock::now();
  const SharedTraining::Trained trained = *shared.trained();
  TrialOutcome outcome = trained.outcome;
  const std::string trainer = "trial " + std::to_string(trained.trainer);
  if (outcome.status != TrialStatus::done) {
    outcome.message = "its training (" + trainer + ") " + to_string(outcome.status) +
                      (outcome.message.empty() ? "" : ": " + outcome.message) + " (remove " + shared.dir() +
                      " to train it again)";
    return outcome;
  }
  const std::map<std::string, double> measured = trainer_->evaluate_trained(
      settings, shared.weights_path(), options_.save_final ? final_weights_path(spec_, id) : "");
  for (const auto& [name, value] : measured) {
    outcome.final_metrics[name] = value;
    outcome.best_metrics[name] = value;
  }
  outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (groups_.leader()) {
    for (const EvalPoint& point : trained.points) store_->eval_point(id, point);
    note(id, "shared-training", "evaluated the weights " + trainer + " trained; its eval points are copied", &log);
  }
  return outcome;
}

}  // namespace trawl
