// lib/core: what identifies a running process beyond its PID, so that one
// process can tell whether another, named in a shared file, is certainly
// gone. A PID alone says nothing across hosts, across boots, or across PID
// namespaces (containers that share a host name: docker --network host,
// Kubernetes hostNetwork pods); with the boot, the namespace and the
// process's start time it does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace trawl {

struct ProcessIdentity {
  std::string host;          // gethostname
  std::int64_t pid = 0;      // as this PID namespace numbers it
  std::string boot_id;       // /proc/sys/kernel/random/boot_id; "" when unreadable
  std::uint64_t pid_namespace = 0;  // inode of /proc/self/ns/pid; 0 when unreadable
  std::uint64_t start_ticks = 0;    // /proc/<pid>/stat field 22: clock ticks after boot; 0 when unreadable
};

// This process, read once.
const ProcessIdentity& this_process();

// "<host>-<pid>", unique among live processes that share a file system, for
// naming this process's own files (journals, partial caches): in a PID
// namespace other than the host's, "-ns<inode>" follows, since containers on
// one host may share its name and their PIDs.
std::string this_process_tag();

// The start time (field 22 of /proc/<pid>/stat) of a process in this PID
// namespace; nullopt when no such process exists.
std::optional<std::uint64_t> process_start_ticks(std::int64_t pid);

// The init PID namespace's inode, a kernel constant (PROC_PID_INIT_INO):
// processes outside any container share it.
inline constexpr std::uint64_t initial_pid_namespace = 0xEFFFFFFCu;

}  // namespace trawl
