// lib/sweep: the training run that trials differing only in infer.* keys
// share (docs/evaluation.md). It lives in <sweep dir>/trained/<key>/, keyed
// by the trials' training identity and the settings hash (not by a trial id:
// a grown grid moves ids), and holds
//   lock          held (fcntl) by the worker that trains it
//   checkpoints/  its checkpoints: a worker that takes it over resumes there
//   points.json   its eval points so far, rewritten durably at each
//   weights.pt    the trained weights, written before
//   outcome.json  how the training ended: once it exists, nobody trains it
//                 again and every sibling only evaluates.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "grid/outcome.hpp"

namespace trawl {

class SharedTraining {
 public:
  SharedTraining(const std::string& results_dir, const Trial& trial, const std::string& settings_hash);

  const std::string& dir() const { return dir_; }
  std::string lock_path() const { return dir_ + "/lock"; }
  std::string checkpoint_dir() const { return dir_ + "/checkpoints"; }
  std::string weights_path() const { return dir_ + "/weights.pt"; }

  // Adds (or replaces, after a resume) one eval point of the training.
  void add_point(const EvalPoint& point);
  // Training is over: `outcome` (of trial `trainer`) is written with every
  // eval point up to its last step.
  void finish(TrialId trainer, const TrialOutcome& outcome);

  struct Trained {
    TrialId trainer = -1;
    TrialOutcome outcome;
    std::vector<EvalPoint> points;  // by index
  };
  // The finished training, or nullopt while none has finished. Throws Error
  // naming the file when it cannot be read.
  std::optional<Trained> trained() const;

 private:
  std::map<std::int64_t, EvalPoint>& points();
  std::string dir_;
  std::map<std::int64_t, EvalPoint> points_;  // by index; read from points.json first
  bool points_read_ = false;
};

}  // namespace trawl
