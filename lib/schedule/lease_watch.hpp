// lib/schedule: whether another worker's lease lapsed, judged on this
// process's own monotonic clock. A lease is written as the holder's wall
// clock plus sweep.lease_seconds, and two hosts' wall clocks may disagree by
// minutes (NTP not yet synced after boot), so a reader never compares that
// value with its own wall clock. It notes when it first saw each value; a
// live holder rewrites it every third of the lease, so a value this reader
// has seen unchanged for a whole lease (by its own clock) is one nobody
// renews: the lease lapsed.
#pragma once

#include <functional>
#include <unordered_map>

#include "grid/grid.hpp"

namespace trawl {

class LeaseWatch {
 public:
  // `clock`: seconds on a monotonic clock (none: std::chrono::steady_clock).
  explicit LeaseWatch(double lease_seconds, std::function<double()> clock = {});

  // Seconds until `trial`'s lease, now `lease` as its holder last wrote it,
  // lapses by this reader's clock; <= 0: it lapsed. A value not seen before
  // (a new holder, a renewal, this reader's first look) has a whole lease left.
  double left(TrialId trial, double lease);

 private:
  struct Seen {
    double lease = 0;
    double since = 0;
  };
  double lease_seconds_;
  std::function<double()> clock_;
  std::unordered_map<TrialId, Seen> seen_;
};

}  // namespace trawl
