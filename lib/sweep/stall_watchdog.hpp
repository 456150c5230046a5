// lib/sweep: a rank whose trial makes no progress for a whole lease exits.
// A data-parallel group whose peer on another node died (power lost, no
// goodbye on the network) would otherwise wait in a collective call for ever;
// and after a lease without a step boundary its leader's lease has lapsed, so
// another worker may have the trial already: exiting loses nothing that
// staying could keep (the trial resumes elsewhere from its checkpoint).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "grid/grid.hpp"
#include "train/trainer.hpp"

namespace trawl {

class StallWatchdog {
 public:
  // `seconds` <= 0: never fires. `prefix` starts its message.
  StallWatchdog(double seconds, std::string prefix);
  ~StallWatchdog();
  StallWatchdog(const StallWatchdog&) = delete;
  StallWatchdog& operator=(const StallWatchdog&) = delete;

  // While one is held, a trial trains: from its first beat on, a beat is due
  // every `seconds`, or the process exits 1 naming the trial.
  class Watch {
   public:
    Watch(StallWatchdog& dog, TrialId trial);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    StallWatchdog& dog_;
  };
  void beat();

 private:
  void run();
  using Clock = std::chrono::steady_clock;
  double seconds_;
  std::string prefix_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, watching_ = false, beaten_ = false;
  TrialId trial_ = 0;
  Clock::time_point last_beat_{};
  std::thread thread_;
};

// Forwards to another observer, and beats the watchdog at every step and
// eval point (each one passed the group's collective calls).
class Heartbeat : public TrainingObserver {
 public:
  Heartbeat(TrainingObserver& inner, StallWatchdog& dog) : inner_(inner), dog_(dog) {}
  void on_eval(const EvalPoint& point, double throughput, const char* unit, double learning_rate) override {
    dog_.beat();
    inner_.on_eval(point, throughput, unit, learning_rate);
  }
  void on_step(std::int64_t done, std::int64_t steps) override {
    dog_.beat();
    inner_.on_step(done, steps);
  }
  bool keep_going() override { return inner_.keep_going(); }

 private:
  TrainingObserver& inner_;
  StallWatchdog& dog_;
};

}  // namespace trawl
