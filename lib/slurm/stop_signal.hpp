// lib/slurm: stopping early, as a job must when Slurm says its time is up.
// SIGUSR1, SIGUSR2, SIGTERM (what Slurm sends with --signal before a time
// limit, and on preemption) and SIGINT (Ctrl-C) only set a flag: the first asks for a graceful
// stop (checkpoint, record, exit 3), a second one for an immediate stop
// (record, exit 3, no new checkpoint). A deadline asks for a graceful stop
// `grace` seconds before it, and an immediate one at it.
#pragma once

#include "core/stop_level.hpp"

namespace trawl {

// Installs the handlers, then unblocks the four signals (the `trawl`
// launcher blocks them before it starts the engine).
void install_stop_handlers();
// For a command that writes nothing (validate, plan, status, report): a stop
// signal ends it at once, as for any command-line tool; one that came
// already ends it now.
void stop_signals_end_at_once();
StopLevel stop_requested();
// Unix time; 0 clears it.
void set_deadline(double unix_time, double grace_seconds);
// The deadline from SLURM_JOB_END_TIME, when Slurm sets it.
double slurm_job_end_time();

}  // namespace trawl
