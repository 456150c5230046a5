#include "sweep/stall_watchdog.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace trawl {

StallWatchdog::StallWatchdog(double seconds, std::string prefix) : seconds_(seconds), prefix_(std::move(prefix)) {
  if (seconds_ > 0) thread_ = std::thread([this] { run(); });
}

StallWatchdog::~StallWatchdog() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StallWatchdog::Watch::Watch(StallWatchdog& dog, TrialId trial) : dog_(dog) {
  const std::lock_guard<std::mutex> lock(dog_.mutex_);
  dog_.watching_ = true;
  dog_.beaten_ = false;  // loading the model and data is not a step: the clock starts at the first
  dog_.trial_ = trial;
}

StallWatchdog::Watch::~Watch() {
  const std::lock_guard<std::mutex> lock(dog_.mutex_);
  dog_.watching_ = false;
}

void StallWatchdog::beat() {
  const std::lock_guard<std::mutex> lock(mutex_);
  beaten_ = true;
  last_beat_ = Clock::now();
}

void StallWatchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto period = std::chrono::duration<double>(std::min(1.0, seconds_ / 10));
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    if (!watching_ || !beaten_) continue;
    const double silent = std::chrono::duration<double>(Clock::now() - last_beat_).count();
    if (silent < seconds_) continue;
    std::fprintf(stderr,
                 "%s trial %lld: no step finished in %.0f s (sweep.lease_seconds): a rank of its group is gone "
                 "or stalled; exiting so that the trial resumes elsewhere from its last checkpoint\n",
                 prefix_.c_str(), static_cast<long long>(trial_), silent);
    std::fflush(stderr);
    std::_Exit(1);  // the main thread may be inside MPI, waiting for a peer that is gone
  }
}

}  // namespace trawl
