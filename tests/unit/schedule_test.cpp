#include "catch_support.hpp"

#include <cmath>
#include <limits>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "schedule/schedule.hpp"

namespace {

using trawl::TrialStatus;

// The shared record as a schedule sees it, in memory.
struct FakeBoard : trawl::TrialBoard {
  std::vector<TrialStatus> status;
  std::vector<double> lease;
  std::vector<trawl::TrialId> started;
  bool renewals_succeed = true;
  int renewals = 0;

  explicit FakeBoard(std::vector<TrialStatus> s)
      : status(std::move(s)), lease(status.size(), std::numeric_limits<double>::quiet_NaN()) {}
  std::vector<std::string> owner;
  trawl::ClaimCursor cursor;
  trawl::Claim claim(const Pick& pick, const std::string&, double seconds, bool) override {
    owner.resize(status.size());
    trawl::BoardRows rows(status, lease);
    rows.owner = [&](trawl::TrialId t) { return owner[static_cast<std::size_t>(t)]; };
    rows.cursor = cursor;
    trawl::Claim c = pick(rows);
    if (c.cursor) cursor = *c.cursor;
    if (c.trial) {
      started.push_back(*c.trial);
      status[static_cast<std::size_t>(*c.trial)] = TrialStatus::running;
      lease[static_cast<std::size_t>(*c.trial)] = 1000.0 + seconds;
    }
    return c;
  }
  bool renew(trawl::TrialId, const std::string&, double) override {
    ++renewals;
    return renewals_succeed;
  }
};

}  // namespace

TEST_CASE("the static schedule runs its own unrecorded trials in order and counts the rest", "[schedule]") {
  FakeBoard board({TrialStatus::pending, TrialStatus::done, TrialStatus::failed, TrialStatus::running,
                   TrialStatus::pending, TrialStatus::diverged, TrialStatus::pending});
  auto schedule = trawl::make_schedule({"static", "w1", 0, false, nullptr, {}}, board, 7, trawl::WorkerId{1, 2});
  CHECK(schedule->describe() == "3 of 7 trials");  // trials 1, 3, 5
  trawl::Assignment a = schedule->next();
  REQUIRE(a.trial);
  CHECK(*a.trial == 3);  // 1 is done; 3 was running (its worker died): resumed
  CHECK(a.position == 2);
  CHECK(a.count == 3);
  CHECK(std::string(a.taken) == "started");
  CHECK_FALSE(schedule->next().trial);  // 5 diverged: recorded
  CHECK(schedule->skipped() == 2);
  CHECK(board.started == std::vector<trawl::TrialId>({3}));

  FakeBoard retry({TrialStatus::done, TrialStatus::failed});
  auto again = trawl::make_schedule({"static", "w0", 0, true, nullptr, {}}, retry, 2, trawl::WorkerId{0, 1});
  CHECK(again->next().trial == 1);  // --retry-failed
}

TEST_CASE("the dynamic schedule claims the first claimable trial and waits for leases", "[schedule]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double clock = 500.0;  // this reader's monotonic clock; the leases are another host's wall clock
  trawl::LeaseWatch leases(30.0, [&] { return clock; });
  trawl::BoardRows rows({TrialStatus::done, TrialStatus::running, TrialStatus::running, TrialStatus::failed},
                        {nan, 1030.0, 1010.0, nan});
  trawl::Claim c = trawl::first_claimable(rows, leases, false);
  CHECK_FALSE(c.trial);
  CHECK(c.wait == 30.0);  // leases seen for the first time: a whole lease, whatever their values say
  clock += 20;
  CHECK(trawl::first_claimable(rows, leases, false).wait == 10.0);
  CHECK(trawl::first_claimable(rows, leases, true).trial == 3);  // --retry-failed
  trawl::BoardRows renewed({TrialStatus::done, TrialStatus::running, TrialStatus::running, TrialStatus::failed},
                           {nan, 1030.0, 1050.0, nan});  // trial 2's holder renewed its lease
  clock += 10;
  c = trawl::first_claimable(renewed, leases, false);
  CHECK(c.trial == 1);  // unchanged for a whole lease: its worker died
  trawl::LeaseWatch later(30.0, [&] { return clock; });
  CHECK_FALSE(trawl::first_claimable(renewed, later, false).trial);  // a reader that just looked waits a lease
  clock += 29;
  CHECK(trawl::first_claimable(renewed, leases, false).trial == 1);
  CHECK(trawl::first_claimable(renewed, leases, false).trial != 2);  // renewed 29 s ago by this clock
  renewed.set_status(0, TrialStatus::pending);
  CHECK(trawl::first_claimable(renewed, leases, false).trial == 0);
  const trawl::Claim none = trawl::first_claimable(trawl::BoardRows({TrialStatus::done}, {nan}), leases, false);
  CHECK_FALSE(none.trial);
  CHECK(none.wait == 0);  // nothing running elsewhere: finished
}

TEST_CASE("a lease is judged on the reader's own clock, whatever the writer's wall clock says", "[schedule]") {
  double clock = 0;
  trawl::LeaseWatch leases(300.0, [&] { return clock; });
  // A holder whose wall clock runs ten minutes behind this reader's: by wall
  // clocks its lease lapsed long ago, but it keeps renewing.
  for (double written = 1000.0; clock < 3000; written += 100, clock += 100) CHECK(leases.left(7, written) == 300.0);
  // It stops renewing (its last value, 3900, was seen at 2900): a lease later it has lapsed.
  clock = 3199;
  CHECK(leases.left(7, 3900.0) == 1.0);
  clock = 3200;
  CHECK(leases.left(7, 3900.0) <= 0);
  // A holder ten minutes ahead, never renewing: the far-future value does not keep it.
  CHECK(leases.left(8, 1e12) == 300.0);
  clock += 300;
  CHECK(leases.left(8, 1e12) <= 0);
}

TEST_CASE("a dynamic worker renews its lease and gives the trial up once it is lost", "[schedule]") {
  FakeBoard board({TrialStatus::pending, TrialStatus::pending});
  auto schedule = trawl::make_schedule({"dynamic", "w", 0.003, false, nullptr, {}}, board, 2, trawl::WorkerId{});
  trawl::Assignment a = schedule->next();
  REQUIRE(a.trial == 0);
  CHECK(std::string(a.taken) == "claimed");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(schedule->still_ours(0));
  CHECK(board.renewals == 1);
  board.renewals_succeed = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_FALSE(schedule->still_ours(0));
  CHECK_FALSE(schedule->still_ours(0));  // stays lost, asks no more
  CHECK(board.renewals == 2);
  CHECK_THROWS_AS(trawl::make_schedule({"random", "w", 1, false, nullptr, {}}, board, 2, trawl::WorkerId{}), trawl::InputError);
}

namespace {

pid_t a_dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

// An owner as a process like this one, with `pid` and `start`, writes it.
std::string owner_with(pid_t pid, std::uint64_t start, const std::string& suffix = "") {
  const trawl::ProcessIdentity& me = trawl::this_process();
  return "a0.g0@" + me.host + ":" + std::to_string(pid) + " (boot " + me.boot_id + ", pidns " +
         std::to_string(me.pid_namespace) + ", start " + std::to_string(start) + ")" + suffix;
}

}  // namespace

TEST_CASE("a trial held by a live worker waits; one held by a process now gone is taken", "[schedule]") {
  FakeBoard board({TrialStatus::running, TrialStatus::pending});
  board.owner = {trawl::owner_of_this_process("a0.g0", ""), ""};
  board.lease[0] = 2000.0;
  double clock = 0;
  auto schedule = trawl::make_schedule({"static", "w", 300, false, nullptr, [&] { return clock; }}, board, 2,
                                       trawl::WorkerId{0, 1});
  CHECK(schedule->next().trial == 1);  // trial 0 is held by this live process: passed over for now
  const trawl::Assignment wait = schedule->next();
  CHECK_FALSE(wait.trial);
  CHECK(wait.wait == 300.0);  // until its lease, as this worker has seen it, lapses
  board.owner[0] = owner_with(a_dead_pid(), trawl::this_process().start_ticks, " job 12_3");
  CHECK(schedule->next().trial == 0);  // its holder died: a rerun takes it at once
  CHECK(schedule->skipped() == 0);
}

TEST_CASE("an owner is known dead only where boot, PID namespace, PID and start time can all be checked",
          "[schedule]") {
  const trawl::ProcessIdentity& me = trawl::this_process();
  REQUIRE_FALSE(me.boot_id.empty());
  REQUIRE(me.pid_namespace != 0);
  const std::string mine = trawl::owner_of_this_process("a0.g0", "job 12_3");
  CHECK(trawl::owner_process(mine)->start_ticks == me.start_ticks);
  CHECK(trawl::owner_process(mine)->pid_namespace == me.pid_namespace);
  CHECK_FALSE(trawl::holder_known_dead(mine));
  CHECK(trawl::holder_known_dead(owner_with(a_dead_pid(), 12345)));
  CHECK(trawl::holder_known_dead(owner_with(getpid(), me.start_ticks + 1)));  // the PID was reused
  // Another PID namespace on this host and host name (a container): its PIDs
  // mean nothing here, even one that is free.
  trawl::ProcessIdentity container = me;
  container.pid_namespace = me.pid_namespace + 1;
  CHECK_FALSE(trawl::holder_known_dead(owner_with(a_dead_pid(), 12345), container));
  trawl::ProcessIdentity rebooted = me;
  rebooted.boot_id = "another-boot";
  CHECK_FALSE(trawl::holder_known_dead(owner_with(a_dead_pid(), 12345), rebooted));
  CHECK_FALSE(trawl::holder_known_dead("a0.g0@another-host-entirely:1 (boot x, pidns 1, start 1)"));
  // Written before owners carried the boot and namespace: cannot be checked.
  CHECK_FALSE(trawl::holder_known_dead("a0.g0@" + me.host + ":" + std::to_string(a_dead_pid())));
  CHECK(trawl::owner_process("a0.g0@h:12 job 3_1")->pid == 12);
  CHECK_FALSE(trawl::holder_known_dead("garbage"));
  CHECK_FALSE(trawl::owner_process("a0.g0@h:12 (boot x, pidns"));
}

TEST_CASE("a claim from the cursor takes trials in order and keeps those that may still run", "[schedule]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double clock = 0;
  trawl::LeaseWatch leases(30.0, [&] { return clock; });
  trawl::BoardRows rows({TrialStatus::done, TrialStatus::pending, TrialStatus::running, TrialStatus::pending},
                        {nan, 1040.0, 1030.0, nan});  // trial 1's lease: as its claim will set
  trawl::Claim c = trawl::claim_from_cursor(rows, leases);
  CHECK(c.trial == 1);
  REQUIRE(c.cursor);
  CHECK(c.cursor->next == 2);
  CHECK(c.cursor->held == std::vector<trawl::TrialId>{1});

  // Trial 1 is now running under a lease: the next claim passes trial 2
  // (running elsewhere) and keeps it, as one whose worker may die.
  rows.set_status(1, TrialStatus::running);
  rows.cursor = *c.cursor;
  c = trawl::claim_from_cursor(rows, leases);
  CHECK(c.trial == 3);
  CHECK(c.cursor->next == 4);
  CHECK(c.cursor->held == std::vector<trawl::TrialId>({1, 2, 3}));

  // Nothing past the cursor: wait for the soonest lease of the held trials;
  // trial 1 ended and is let go.
  rows.set_status(1, TrialStatus::done);
  rows.set_status(3, TrialStatus::done);
  rows.cursor = *c.cursor;
  clock += 5;
  c = trawl::claim_from_cursor(rows, leases);
  CHECK_FALSE(c.trial);
  CHECK(c.wait == 25.0);  // first seen 5 s ago
  CHECK(c.cursor->held == std::vector<trawl::TrialId>{2});

  // Its lease lapsed (its worker died): taken again, and still held.
  clock += 25;
  c = trawl::claim_from_cursor(rows, leases);
  CHECK(c.trial == 2);
  CHECK(c.cursor->held == std::vector<trawl::TrialId>{2});
}

TEST_CASE("a trial pending below the cursor is found before a worker finishes", "[schedule]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  trawl::BoardRows rows({TrialStatus::done, TrialStatus::pending, TrialStatus::done}, {nan, nan, nan});
  rows.cursor = trawl::ClaimCursor{3, {}};  // trial 1 went back to pending without lowering it
  trawl::LeaseWatch leases(30.0);
  const trawl::Claim c = trawl::claim_from_cursor(rows, leases);
  CHECK(c.trial == 1);
  CHECK(c.cursor->held == std::vector<trawl::TrialId>{1});
  rows.set_status(1, TrialStatus::done);
  rows.cursor = *c.cursor;
  const trawl::Claim none = trawl::claim_from_cursor(rows, leases);
  CHECK_FALSE(none.trial);
  CHECK(none.wait == 0);
}

TEST_CASE("a claim's reads do not grow with the grid", "[schedule]") {
  // 10^7 trials, the first half taken: a claim reads one block of rows.
  const std::int64_t trials = 10'000'000;
  std::int64_t rows_read = 0;
  trawl::BoardRows rows(trials, [&](trawl::TrialId first, std::int64_t count, std::vector<TrialStatus>& status,
                                     std::vector<double>& lease) {
    rows_read += count;
    status.assign(static_cast<std::size_t>(count), TrialStatus::pending);
    for (std::int64_t k = 0; k < count; ++k)
      if (first + k < trials / 2) status[static_cast<std::size_t>(k)] = TrialStatus::done;
    lease.assign(static_cast<std::size_t>(count), std::numeric_limits<double>::quiet_NaN());
  });
  rows.cursor = trawl::ClaimCursor{trials / 2, {}};
  trawl::LeaseWatch leases(30.0);
  const trawl::Claim c = trawl::claim_from_cursor(rows, leases);
  CHECK(c.trial == trials / 2);
  CHECK(rows_read <= 4096);
}
