#include "slurm/stop_signal.hpp"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "core/env.hpp"

namespace trawl {

namespace {

// What Slurm sends before a time limit and on preemption, and Ctrl-C
// (apps/trawl/launcher.c blocks the same four).
constexpr int stop_signals[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGINT};

volatile sig_atomic_t signals_seen = 0;
std::atomic<double> deadline{0.0};
std::atomic<double> deadline_grace{0.0};

extern "C" void on_stop_signal(int) {
  if (signals_seen < 2) signals_seen = signals_seen + 1;
}

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigset_t stop;
  sigemptyset(&stop);
  for (int signal : stop_signals) {
    sigaction(signal, &action, nullptr);
    sigaddset(&stop, signal);
  }
  // The launcher (apps/trawl/launcher.c) blocked them until now: one that came meanwhile is delivered here.
  sigprocmask(SIG_UNBLOCK, &stop, nullptr);
  // A file-size limit must fail the write (EFBIG), not kill the process.
  signal(SIGXFSZ, SIG_IGN);
}

void stop_signals_end_at_once() {
  for (int signal : stop_signals) std::signal(signal, SIG_DFL);
  if (signals_seen > 0) std::raise(SIGINT);
}

StopLevel stop_requested() {
  int level = signals_seen;
  const double end = deadline.load();
  if (end > 0) {
    const double t = now();
    if (t >= end) level = 2;
    else if (t >= end - deadline_grace.load() && level < 1) level = 1;
  }
  return static_cast<StopLevel>(level);
}

void set_deadline(double unix_time, double grace_seconds) {
  deadline = unix_time;
  deadline_grace = grace_seconds;
}

double slurm_job_end_time() {
  if (auto end = env_integer("SLURM_JOB_END_TIME")) return static_cast<double>(*end);
  // Older Slurm (22.05) does not export it: ask squeue for the job's end time.
  const char* job = std::getenv("SLURM_JOB_ID");
  if (!job) return 0.0;
  const std::string command = std::string("squeue -h -o %e -j ") + std::to_string(std::atoll(job)) + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return 0.0;
  char line[64] = {};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  ::pclose(pipe);
  std::tm when{};
  if (!got || !::strptime(line, "%Y-%m-%dT%H:%M:%S", &when)) return 0.0;  // "N/A", "UNLIMITED"
  when.tm_isdst = -1;
  const std::time_t end = std::mktime(&when);  // squeue prints local time
  return end > 0 ? static_cast<double>(end) : 0.0;
}

}  // namespace trawl
