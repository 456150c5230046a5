#include "catch_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "sweep/stall_watchdog.hpp"

namespace {

using std::chrono::milliseconds;

// Runs `body` in a child process; its exit status.
template <typename Body>
int exit_status_of(Body body) {
  const pid_t child = fork();
  if (child == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("a trial that stops making steps for a lease ends the process", "[sweep]") {
  CHECK(exit_status_of([] {
          trawl::StallWatchdog dog(0.2, "[test]");
          const trawl::StallWatchdog::Watch watch(dog, 7);
          dog.beat();
          std::this_thread::sleep_for(milliseconds(2000));  // a peer that never answers
        }) == 1);
}

TEST_CASE("steps within the lease, loading before the first step, and time between trials are not stalls",
          "[sweep]") {
  CHECK(exit_status_of([] {
          trawl::StallWatchdog dog(0.3, "[test]");
          {
            const trawl::StallWatchdog::Watch watch(dog, 1);
            std::this_thread::sleep_for(milliseconds(600));  // loading: no step yet
            for (int step = 0; step < 12; ++step) {
              dog.beat();
              std::this_thread::sleep_for(milliseconds(50));
            }
          }
          std::this_thread::sleep_for(milliseconds(600));  // between trials
          const trawl::StallWatchdog::Watch next(dog, 2);
          std::this_thread::sleep_for(milliseconds(600));  // the next trial's loading
        }) == 0);
  CHECK(exit_status_of([] { trawl::StallWatchdog dog(0, "[test]"); }) == 0);  // no lease: never fires
}
