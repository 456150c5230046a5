#include "sweep/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <iostream>
#include <thread>

#include "core/env.hpp"
#include "core/process_identity.hpp"
#include "core/text.hpp"
#include "slurm/environment.hpp"
#include "slurm/stop_signal.hpp"
#include "spec/metrics.hpp"
#include "spec/spec_hash.hpp"
#include "sweep/trial_log.hpp"
#include "train/data_check.hpp"
#include "train/model_check.hpp"
#include "train/model_kinds.hpp"

namespace trawl {

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string checkpoint_dir(const SweepSpec& spec, TrialId trial) {
  return trial_dir(spec.results_dir(), trial) + "/checkpoints";
}

// Runs `work` on rank 0 alone; then every rank fails as it failed: rank 0
// with its error, the others with an empty one of the same kind (only rank
// 0's message is printed), so no rank waits on one that threw.
void on_rank_0(const Communicator& world, const std::function<void()>& work) {
  enum Outcome : int { ok, input_error, other_error };
  Outcome outcome = ok;
  std::exception_ptr failure;
  if (world.rank() == 0) {
    try {
      work();
    } catch (const InputError&) {
      outcome = input_error;
      failure = std::current_exception();
    } catch (...) {
      outcome = other_error;
      failure = std::current_exception();
    }
  }
  world.broadcast(outcome, 0);
  if (failure) std::rethrow_exception(failure);
  if (outcome == input_error) throw InputError("");
  if (outcome == other_error) throw Error("");
}

// A hash (16 hex digits) from rank 0 to every rank.
std::string broadcast_hash(const Communicator& world, const std::string& hash) {
  char digits[16] = {};
  hash.copy(digits, sizeof digits);
  world.broadcast(digits, sizeof digits, MPI_CHAR, 0);
  return std::string(digits, sizeof digits);
}

}  // namespace

std::string final_weights_path(const SweepSpec& spec, std::int64_t trial) {
  return trial_dir(spec.results_dir(), trial) + "/final.pt";
}

Worker::Worker(const SweepSpec& spec, const RunOptions& options, const Communicator& world)
    : spec_(spec), options_(options), world_(world), grid_(spec),
      groups_(make_rank_groups(world, static_cast<int>(spec.integer("sweep.ranks_per_trial")))),
      shares_training_(grid_.shares_training()) {
  start();
}

Worker::~Worker() = default;

void Worker::start() {
  install_stop_handlers();
  // Inspecting reads every input (all token shards, every header): rank 0
  // does it and tells the others the data's shape.
  DataShape shape;
  on_rank_0(world_, [&] {
    shape = inspect_data(spec_);
    // A Hugging Face checkpoint that does not fit its config fails here,
    // exit 2, before anything trains (only headers are read).
    if (model_builder(spec_.string("model.kind")).checked_before_run()) check_models(spec_, grid_, shape);
  });
  world_.broadcast(static_cast<DataCounts&>(shape), 0);
  const double deadline = options_.deadline > 0 ? options_.deadline : slurm_job_end_time();
  if (deadline > 0) set_deadline(deadline, spec_.real("checkpoint.deadline_margin"));
  const ArrayTask array = array_task(options_.array_index, options_.array_count);
  const WorkerId worker = WorkerId::of(array.index, array.count, groups_.group_index, groups_.group_count);
  open_store(shape);

  const int threads = options_.threads > 0                  ? options_.threads
                      : spec_.integer("train.threads") > 0 ? static_cast<int>(spec_.integer("train.threads"))
                                                            : threads_per_rank(groups_.node.size());
  const int local_rank = static_cast<int>(env_integer("SLURM_LOCALID").value_or(groups_.node.rank()));
  trainer_ = std::make_unique<Trainer>(spec_, shape,
                                       TrainerContext{&groups_.group, local_rank, threads, &stop_requested});
  const std::string label = "a" + std::to_string(array.index) + ".g" + std::to_string(groups_.group_index);
  owner_ = owner_of_this_process(label, slurm_job_label().empty() ? "" : "job " + slurm_job_label());
  prefix_ = "[trawl " + label + " r" + std::to_string(world_.rank()) + "]";
  watchdog_ = std::make_unique<StallWatchdog>(spec_.real("sweep.lease_seconds"), prefix_);
  // mpirun gives ranks a terminal too, but their redrawn lines would mix.
  live_ = isatty(STDOUT_FILENO) == 1 && world_.size() == 1;
  if (!groups_.leader()) return;
  // Everything this worker records goes to its own journal first (for repair).
  store_->attach_journal(std::make_shared<Journal>(journal_dir(spec_.results_dir()),
                                                   label + "-" + this_process_tag()),
                         SweepRecord{spec_hash_, settings_hash_});
  store_->write_as(owner_);
  ScheduleOptions schedule{spec_.string("sweep.schedule"), owner_, spec_.real("sweep.lease_seconds"),
                           options_.retry_failed, nullptr, {}};
  if (spec_.string("prune.rule") == "halving") schedule.halving = std::make_shared<Halving>(spec_, grid_);
  schedule_ = make_schedule(schedule, *store_, grid_.size(), worker);
  std::cout << prefix_ << " worker " << worker.index << "/" << worker.count << ": " << schedule_->describe() << ", "
            << groups_.group.size() << " rank(s) x " << threads << " threads on " << trainer_->device_name()
            << ", results " << spec_.results_file() << std::endl;
}

// Rank 0 makes the file (or checks it belongs to this sweep) before anyone
// else opens it; other array tasks find it made or make it under the lock.

void Worker::open_store(const DataShape& shape) {
  const std::vector<std::string> metrics = sweep_metrics(spec_, shape.classes);
  // Hashing reads every input (data, model directories): rank 0 does it once
  // and hands the hashes to the others.
  on_rank_0(world_, [&] {
    spec_hash_ = spec_hash(spec_);
    settings_hash_ = settings_hash(spec_);
    store_ = ResultStore::open_or_create(spec_, grid_, metrics, spec_hash_);
  });
  spec_hash_ = broadcast_hash(world_, spec_hash_);
  settings_hash_ = broadcast_hash(world_, settings_hash_);
  if (world_.rank() != 0) store_ = ResultStore::open_or_create(spec_, grid_, metrics, spec_hash_);
}

RunSummary Worker::run() {
  while (auto next = next_trial())
    if (!run_trial(*next)) break;
  if (schedule_) summary_.skipped = schedule_->skipped();
  return summary_;
}

// Any rank's stop request stops the whole group (the group's MAX).
bool Worker::stop_agreed() const {
  const StopLevel level = stop_requested();
  return (groups_.group.size() > 1 ? groups_.group.all_reduce(level, MPI_MAX) : level) != StopLevel::none;
}

// Collective over the group: the stop is agreed first, then the leader asks
// the schedule and broadcasts its answer; while every trial left is held by
// another worker's lease, the whole group waits and asks again.
std::optional<Assignment> Worker::next_trial() {
  while (true) {
    if (stop_agreed()) {
      ++summary_.interrupted;  // no new trial once a stop is asked for
      return std::nullopt;
    }
    Assignment next;
    if (groups_.leader()) next = schedule_->next();
    // The leader's answer, as the group's ranks need it (Assignment holds vectors).
    struct Answer {
      std::int64_t trial, position, count, rung;
      double wait;
    } answer{next.trial.value_or(-1), next.position, next.count, next.rung, next.wait};
    groups_.group.broadcast(answer, 0);
    if (answer.trial >= 0) {
      next.trial = answer.trial;
      next.position = answer.position;
      next.count = answer.count;
      next.rung = answer.rung;
      return next;
    }
    if (answer.wait <= 0) return std::nullopt;  // nothing pending, nothing running elsewhere
    std::this_thread::sleep_for(std::chrono::duration<double>(std::clamp(answer.wait, 0.05, 5.0)));
  }
}

void Worker::note(TrialId id, const std::string& kind, const std::string& message, TrialLog* log) {
  if (!groups_.leader()) return;
  store_->event(StoreEvent{now(), id, kind, message});
  if (log) log->print(prefix_ + " trial " + std::to_string(id) + " " + kind + ": " + message + "\n");
}

// Trains one trial with the whole group; false when the run must stop.
bool Worker::run_trial(const Assignment& assignment) {
  const TrialId id = *assignment.trial;
  TrialLog log(*store_, schedule_.get(), prefix_, id, assignment.position, assignment.count, live_);
  if (groups_.leader()) {
    const Trial trial = grid_.trial(id);
    std::vector<std::string> params;
    for (const auto& [key, value] : trial.params) params.push_back(key + "=" + to_string(value));
    store_->event(StoreEvent{now(), id, assignment.taken, "by " + owner_});
    log.print(prefix_ + " trial " + std::to_string(id) + " start seed=" + std::to_string(trial.seed) +
              (params.empty() ? "" : " " + join(params, " ")) + "\n");
  }
  const TrialOutcome outcome = train(id, assignment.rung, log);
  if (outcome.abandoned) {
    // Our lease lapsed and another worker holds the trial now: leave it be.
    if (groups_.leader())
      log.print(prefix_ + " trial " + std::to_string(id) + " abandoned: its lease passed to another worker\n");
    return true;
  }
  if (outcome.interrupted) {
    ++summary_.interrupted;
    if (groups_.leader()) {
      store_->trial_interrupted(id, outcome.steps);
      note(id, "interrupted", "stopped at step " + std::to_string(outcome.steps) + " (signal or deadline)", &log);
    }
    return false;
  }
  if (groups_.leader()) {
    if (outcome.paused) record_pause(id, assignment.rung, outcome, log);
    else record_outcome(id, outcome, log);
  }
  return true;
}

void Worker::record_pause(TrialId id, std::int64_t rung, const TrialOutcome& outcome, TrialLog& log) {
  if (!store_->trial_paused(id, outcome.steps, rung)) {
    note(id, "not-recorded", "its pause at rung " + std::to_string(rung) + " was not recorded: the trial is " +
                                 "another worker's now", &log);
    return;
  }
  ++summary_.paused;
  const std::string& metric = spec_.string("sweep.metric");
  const auto value = outcome.final_metrics.find(metric);
  note(id, "paused", "at rung " + std::to_string(rung) + " (step " + std::to_string(outcome.steps) + ")" +
                         (value == outcome.final_metrics.end() ? "" : ", " + metric + " " + format_metric(value->second)) +
                         ": waits for its cohort", &log);
}

// What a checkpoint of this trial must say it belongs to: a checkpoint copied
// from another trial, or made under other settings, is refused. Not the id:
// a grown grid moves trials (and their checkpoints) to new ids.
std::string Worker::trial_identity(TrialId id) const {
  return "the trial (" + Grid::label(grid_.trial(id)) + ") of settings " + settings_hash_;
}

TrialOutcome Worker::train(TrialId id, std::int64_t rung, TrialLog& log) {
  NoOutput quiet;
  const StallWatchdog::Watch watch(*watchdog_, id);
  Heartbeat observer(groups_.leader() ? static_cast<TrainingObserver&>(log) : quiet, *watchdog_);
  try {
    const TrialSettings settings = trial_settings(spec_, grid_.trial(id));
    if (shares_training_) return run_shared(id, settings, observer, log);
    // Successive halving: train to the next rung the trial has not passed.
    const std::size_t next_rung = static_cast<std::size_t>(rung);
    const std::int64_t pause_at = next_rung < settings.train.rungs.size() ? settings.train.rungs[next_rung] : 0;
    const CheckpointDir checkpoints(checkpoint_dir(spec_, id), static_cast<int>(spec_.integer("checkpoint.keep")));
    CheckpointPolicy policy{&checkpoints, spec_.integer("checkpoint.every_steps"),
                            spec_.real("checkpoint.every_seconds"), true, trial_identity(id),
                            [&](const std::string& kind, const std::string& message) {
                              note(id, kind, message, &log);
                            }};
    return trainer_->train(settings, observer, options_.save_final ? final_weights_path(spec_, id) : "", policy,
                           pause_at);
  } catch (const StoreWriteError&) {
    throw;  // nothing can be recorded: stop the worker (exit 1), the file as it was
  } catch (const InputError& e) {
    // A trial that cannot train is a result, not a crash: record it and go on.
    // Its settings fail alike on every rank of the group, so all go on together.
    TrialOutcome failed;
    failed.status = TrialStatus::failed;
    failed.message = e.what();
    return failed;
  } catch (const std::exception& e) {
    if (groups_.group.size() > 1) throw;  // the group's ranks may disagree: stop the job
    TrialOutcome failed;
    failed.status = TrialStatus::failed;
    failed.message = e.what();
    return failed;
  }
}

void Worker::record_outcome(TrialId id, const TrialOutcome& outcome, TrialLog& log) {
  if (!store_->trial_finished(id, outcome, now())) {
    // Our lease lapsed while we trained and another worker took the trial.
    note(id, "not-recorded", "its outcome (" + to_string(outcome.status) + ") was not recorded: the trial is " +
                                 "another worker's now", &log);
    return;
  }
  switch (outcome.status) {
    case TrialStatus::done: ++summary_.done; break;
    case TrialStatus::diverged: ++summary_.diverged; break;
    default: ++summary_.failed; break;
  }
  if (outcome.status != TrialStatus::done)
    store_->event(StoreEvent{now(), id, to_string(outcome.status), outcome.message});
  const std::string& metric = spec_.string("sweep.metric");
  std::string end = prefix_ + " trial " + std::to_string(id) + " " + to_string(outcome.status);
  if (outcome.status == TrialStatus::done && outcome.final_metrics.count(metric))
    end += " " + metric + "=" + format_metric(outcome.final_metrics.at(metric));
  if (outcome.stopped_early)
    end += " (stopped early at step " + std::to_string(outcome.steps) + ": no improvement in " +
           std::to_string(trial_settings(spec_, grid_.trial(id)).train.patience) + " eval points)";
  if (!outcome.message.empty()) end += ": " + outcome.message;
  if (outcome.checkpoints_written)
    end += " (" + std::to_string(outcome.checkpoints_written) + " checkpoints in " +
           format_number(outcome.checkpoint_seconds, "%.3f") + " s)";
  log.print(end + "\n");
}

RunSummary run_sweep(const SweepSpec& spec, const RunOptions& options, const Communicator& world) {
  return Worker(spec, options, world).run();
}

}  // namespace trawl
