// lib/store: whether fcntl locks on a folder's file system exclude writers on
// other nodes, checked before trawl relies on them. Where they do not, two
// workers could both believe they hold the results file's lock and take the
// same trial, so trawl refuses to start instead (docs/fault-tolerance.md,
// "Many nodes").
#pragma once

#include <optional>
#include <string>

namespace trawl {

// Why locks on the mount holding `path` would not exclude other nodes, from
// the mount table (/proc/self/mountinfo's text): a Lustre mount with
// localflock, an NFS mount with nolock or local_lock=posix|all; nullopt when
// nothing says so.
std::optional<std::string> node_local_locks(const std::string& mountinfo, const std::string& path);

// Throws InputError, naming the folder and the way out, unless locks taken in
// `dir` exclude each other (a second open file description is refused a
// lock the first holds: file systems that accept fcntl and ignore it fail
// this) and its mount does not keep them node-local. Checked once per folder
// and process.
void check_locks_exclude(const std::string& dir);

}  // namespace trawl
