#include "catch_support.hpp"

#include "store/lock_check.hpp"
#include "test_files.hpp"

namespace {

// A mount table as /proc/self/mountinfo writes it.
const std::string mountinfo =
    "21 26 0:20 / /proc rw,relatime - proc proc rw\n"
    "26 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "40 26 0:45 / /lustre rw,relatime - lustre 10.0.0.1@tcp:/fs rw,localflock,lazystatfs\n"
    "41 26 0:46 / /lustre2 rw,relatime - lustre 10.0.0.1@tcp:/fs2 rw,flock,lazystatfs\n"
    "42 26 0:47 / /home rw,relatime shared:5 - nfs4 srv:/home rw,vers=4.2,local_lock=none,addr=10.0.0.2\n"
    "43 26 0:48 / /scratch rw,relatime - nfs srv:/scratch rw,vers=3,nolock,addr=10.0.0.2\n"
    "44 26 0:49 / /proj rw - nfs4 srv:/proj rw,local_lock=posix\n"
    "45 26 0:50 / /my\\040space rw - lustre x:/y rw,localflock\n";

}  // namespace

TEST_CASE("mounts that keep locks on one node are named; others pass", "[store]") {
  CHECK_FALSE(trawl::node_local_locks(mountinfo, "/home/u/sweep"));   // NFS 4 with locking
  CHECK_FALSE(trawl::node_local_locks(mountinfo, "/lustre2/u/sweep")); // Lustre with flock
  CHECK_FALSE(trawl::node_local_locks(mountinfo, "/tmp/sweep"));       // ext4
  CHECK_FALSE(trawl::node_local_locks(mountinfo, "/lustre-other"));    // not under /lustre
  const auto lustre = trawl::node_local_locks(mountinfo, "/lustre/u/sweep");
  REQUIRE(lustre);
  CHECK(lustre->find("lustre mount /lustre has localflock") != std::string::npos);
  const auto nfs = trawl::node_local_locks(mountinfo, "/scratch/sweep");
  REQUIRE(nfs);
  CHECK(nfs->find("nfs mount /scratch has nolock") != std::string::npos);
  CHECK(trawl::node_local_locks(mountinfo, "/proj"));
  CHECK(trawl::node_local_locks(mountinfo, "/my space/sweep"));  // mountinfo's \040 is a space
  // A later mount over the same point hides the earlier one.
  CHECK_FALSE(trawl::node_local_locks(mountinfo + "46 26 0:51 / /scratch rw - ext4 /dev/sdb rw\n", "/scratch/x"));
}

TEST_CASE("a folder on this machine's file system passes the lock check", "[store]") {
  const std::string dir = trawl::test::scratch_dir("lock-check");
  CHECK_NOTHROW(trawl::check_locks_exclude(dir));
  CHECK_NOTHROW(trawl::check_locks_exclude(dir));  // once per folder: the second asks nothing
}
