// lib/schedule: how a worker names itself as the owner of the trials it
// takes (/trials/owner), and when another worker's name proves that worker
// gone, so its trial may be taken at once instead of after its lease.
#pragma once

#include <optional>
#include <string>

#include "core/process_identity.hpp"

namespace trawl {

// "<label>@<host>:<pid> (boot <boot id>, pidns <inode>, start <ticks>)",
// then " <suffix>" when one is given (a Slurm job: "job 55_3").
std::string owner_of_this_process(const std::string& label, const std::string& suffix);

// The process an owner names; nullopt when `owner` is not one that
// owner_of_this_process wrote. Owners written before trawl recorded the
// boot, namespace and start time parse with those left empty (0, "").
std::optional<ProcessIdentity> owner_process(const std::string& owner);

// Whether the process `owner` names is certainly gone, as `me` sees it: only
// when both are on this host, in this boot and this PID namespace, and that
// PID is free or belongs to a process started at another time (the PID was
// reused). Anything else cannot be checked from here: the lease decides.
bool holder_known_dead(const std::string& owner, const ProcessIdentity& me = this_process());

}  // namespace trawl
