#include "schedule/lease_watch.hpp"

#include <chrono>

namespace trawl {

LeaseWatch::LeaseWatch(double lease_seconds, std::function<double()> clock)
    : lease_seconds_(lease_seconds), clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
}

double LeaseWatch::left(TrialId trial, double lease) {
  const double now = clock_();
  auto [it, first_look] = seen_.try_emplace(trial, Seen{lease, now});
  // Compared as written, bit for bit: any renewal changes the value.
  if (!first_look && it->second.lease != lease) it->second = Seen{lease, now};
  return lease_seconds_ - (now - it->second.since);
}

}  // namespace trawl
