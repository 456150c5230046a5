// apps/trawl: the trawl command line. It parses arguments, calls lib/, and
// turns errors into a message and an exit code (docs/cli.md).
#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "args.hpp"
#include "comm/mpi.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "grid/grid.hpp"
#include "report/sweep_report.hpp"
#include "slurm/stop_signal.hpp"
#include "slurm/submit.hpp"
#include "spec/parse.hpp"
#include "sweep/plan.hpp"
#include "sweep/repair.hpp"
#include "sweep/run.hpp"
#include "sweep/status.hpp"
#include "train/data_check.hpp"

namespace {

using trawl::cli::Args;

const char* const main_help = R"(trawl - exhaustive hyperparameter grid sweeps of fine-tunes, on Slurm or mpirun

usage: trawl <command> [options]

commands:
  validate FILE   check a sweep file and its data; print the grid size
  plan FILE       show the grid, its axes and how it splits over workers
  run FILE        run this worker's trials (every rank of mpirun/srun runs it)
  status DIR      progress of a sweep: counts by status, best so far, workers
  report DIR      top trials, per-axis marginals, parameter importance, failures
  repair DIR      rebuild a damaged or missing results file from the journals
  submit FILE     write the job script and submit the sweep as Slurm job array(s)

options:
  -h, --help      this help (and `trawl <command> --help` for each command)
  --version       print the version

exit codes: 0 success, 1 runtime failure (I/O, MPI, HDF5), 2 bad input
(sweep file, data set or command line; the message says where), 3 stopped
early by a signal or deadline (run again to resume).
Documentation: docs/sweep-file.md, docs/cli.md, docs/results-file.md.
)";

const char* const validate_help = R"(usage: trawl validate FILE

Checks the sweep file FILE (keys, types, grid axes, zip groups, exclusions)
and its data set (file, datasets, shapes, dtypes) without running anything.
Prints the number of trials. Exit code 2 and file:line:col on the first error.
)";

const char* const plan_help = R"(usage: trawl plan FILE [--array-count T] [--ranks R]

Shows the grid (dimensions in trial-id order, their values), the number of
trials after exclusions, how many trials each worker gets with T Slurm array
tasks of R MPI ranks each, and the sbatch line to submit it.

  --array-count T   array tasks (default 1)
  --ranks R         MPI ranks per array task (default: sweep.ranks_per_trial)
)";

const char* const run_help = R"(usage: [mpirun -np N | srun] trawl run FILE [options]

Runs this worker's share of the sweep: ranks form groups of
sweep.ranks_per_trial, and each group trains its trials one after another,
writing every eval point and outcome into <sweep.dir>/results.h5. Trials
already recorded (done, failed, diverged) are skipped, so running it again
continues a sweep.

  --array-index I   this array task's index (default: from SLURM_ARRAY_TASK_ID)
  --array-count T   number of array tasks (default: SLURM_ARRAY_TASK_COUNT or 1)
  --save-final      save each done trial's weights to <sweep.dir>/trials/<id>/final.pt
                    (usable as model.init of a later fine-tuning sweep)
  --threads N       libtorch threads per rank (default: SLURM_CPUS_PER_TASK,
                    else cores / ranks on the node)
  --retry-failed    run failed and diverged trials again
  --deadline T      stop by T (Unix seconds, or +SECONDS from now): checkpoint
                    checkpoint.deadline_margin seconds before it and exit 3
                    (default: SLURM_JOB_END_TIME when Slurm sets it)

Trials checkpoint as [checkpoint] says and resume from their newest good
checkpoint. SIGUSR1, SIGUSR2 or SIGTERM stop the run at the next step:
the running trial checkpoints, is recorded as pending, and trawl exits with
code 3; a second signal stops without the checkpoint. Run it again to resume.
)";

const char* const status_help = R"(usage: trawl status DIR|FILE

Reads a sweep's results file (DIR/results.h5, or FILE) while the sweep runs
or after: trials by status, the best trial so far by sweep.metric, progress
per worker, and the latest events (failures, divergences).
)";

bool wants_help(int argc, char** argv) {
  for (int i = 2; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) return true;
  return false;
}

const char* const report_help = R"(usage: trawl report DIR|FILE [--top K] [--format F] [--filter AXIS=VALUE]...

Reads a sweep's results file (finished, or still being written) and prints:
the top K trials by sweep.metric (each trial's best eval point) with their
parameters; for every axis, the mean, best and spread over seeds of the
metric for each value; a parameter-importance ranking (the variance of each
axis's marginal means, normalised to sum to 1; docs/report.md); and the
failed, diverged and pruned trials with their reasons.

  --top K           trials in the top table (default 10)
  --format F        table (default), csv, json or markdown
  --filter A=V      only trials whose axis A (or "seed") has value V; repeatable
)";

const char* const repair_help = R"(usage: trawl repair DIR

Rebuilds DIR/results.h5 when it is damaged (a node died while writing it) or
missing: from the sweep's own copy of its sweep file (DIR/sweep.toml) and the
journal every worker appends each record to before it writes the file
(DIR/journal/*.journal). The damaged file is kept as results.h5.damaged-<time>.
Stop the sweep's workers first.
)";

const char* const submit_help = R"(usage: trawl submit FILE [options] [-- sbatch options...]

Plans the sweep, writes its job script to <sweep.dir>/job.sbatch (every value
shell-quoted) and submits it with sbatch as a job array of T tasks, each
running `srun --mpi=pmix trawl run FILE` on R ranks. Where T exceeds the
cluster's MaxArraySize (from `scontrol show config`), it submits several
arrays whose tasks carry TRAWL_ARRAY_OFFSET. Tasks stopped by Slurm's
pre-timeout signal or by preemption exit 3 and requeue themselves.

  --array-count T     array tasks (default: one per trial, at most 64)
  --throttle N        at most N tasks running at once (sbatch --array=...%N)
  --ranks R           MPI ranks per task (default: sweep.ranks_per_trial)
  --cpus-per-rank C   --cpus-per-task (default 1)
  --gpus-per-rank G   --gpus-per-task, one rank per GPU (default: none)
  --grace S           seconds of warning before the time limit (default 120)
  --dry-run           print the script and the sbatch lines; submit nothing
  -- OPTIONS          passed to every sbatch call (e.g. -- --partition=gpu --time=4:00:00)
)";

int validate(const Args& args) {
  trawl::SweepSpec spec = trawl::parse_sweep_file(args.only_positional("sweep file"));
  trawl::Grid grid(spec);
  trawl::DataShape data = trawl::inspect_data(spec);
  std::cout << spec.path << ": ok, " << grid.size() << " trials over " << grid.axis_names().size() << " axes and "
            << grid.seeds().size() << " seed(s); data ";
  if (spec.string("data.kind") == "text")
    std::cout << data.train_rows << " train / " << data.val_rows << " val bytes of text\n";
  else
    std::cout << data.train_rows << " train / " << data.val_rows << " val rows, " << data.features << " features"
              << (data.classes ? ", " + std::to_string(data.classes) + " classes" : std::string()) << "\n";
  return 0;
}

int plan(const Args& args) {
  trawl::SweepSpec spec = trawl::parse_sweep_file(args.only_positional("sweep file"));
  trawl::Grid grid(spec);
  trawl::PlanOptions options;
  options.array_count = args.integer("--array-count").value_or(1);
  options.ranks = args.integer("--ranks").value_or(spec.integer("sweep.ranks_per_trial"));
  std::cout << trawl::plan_report(spec, grid, options);
  return 0;
}

int status(const Args& args) {
  std::cout << trawl::status_report(args.only_positional("sweep directory or results file"));
  return 0;
}

int report(const Args& args) {
  trawl::ReportOptions options;
  auto top = args.integer("--top").value_or(10);
  if (top < 1) throw trawl::InputError("--top must be at least 1");
  options.top = static_cast<std::size_t>(top);
  for (const auto& filter : args.values("--filter")) options.filters.push_back(trawl::parse_filter(filter));
  trawl::TableFormat format = trawl::parse_table_format(args.value("--format").value_or("table"));
  std::cout << trawl::render(trawl::sweep_report(args.only_positional("sweep directory or results file"), options),
                             format);
  return 0;
}

// "+SECONDS" from now, or Unix seconds.
double parse_deadline(const std::string& text) {
  char* end = nullptr;
  const bool relative = !text.empty() && text[0] == '+';
  double value = std::strtod(text.c_str() + (relative ? 1 : 0), &end);
  if (text.empty() || *end != '\0' || value <= 0)
    throw trawl::InputError("--deadline takes Unix seconds or +SECONDS, not '" + text + "'");
  if (relative)
    value += std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return value;
}

int repair(const Args& args) {
  trawl::RepairReport r = trawl::repair_sweep(args.only_positional("sweep directory"));
  std::cout << "rebuilt " << r.results << " from " << r.records << " journal records";
  if (r.journals_torn) std::cout << " (" << r.journals_torn << " journal(s) ended in a torn record, ignored)";
  std::cout << "\n";
  if (!r.moved_aside.empty()) std::cout << "the damaged file is kept as " << r.moved_aside << "\n";
  return 0;
}

int submit(int argc, char** argv) {
  // Everything after "--" belongs to sbatch.
  int end = argc;
  std::vector<std::string> sbatch_options;
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--") {
      end = i;
      for (int j = i + 1; j < argc; ++j) sbatch_options.emplace_back(argv[j]);
      break;
    }
  Args args(end, argv, 2,
            {"--array-count", "--throttle", "--ranks", "--cpus-per-rank", "--gpus-per-rank", "--grace"}, {"--dry-run"});
  trawl::SweepSpec spec = trawl::parse_sweep_file(args.only_positional("sweep file"));
  trawl::Grid grid(spec);
  trawl::SubmitOptions options;
  options.array_count = args.integer("--array-count").value_or(0);
  options.throttle = args.integer("--throttle").value_or(0);
  options.ranks = args.integer("--ranks").value_or(0);
  options.cpus_per_rank = args.integer("--cpus-per-rank").value_or(1);
  options.gpus_per_rank = args.integer("--gpus-per-rank").value_or(0);
  options.grace_seconds = args.integer("--grace").value_or(120);
  options.dry_run = args.has("--dry-run");
  options.sbatch_options = sbatch_options;
  options.trawl_binary = std::filesystem::canonical("/proc/self/exe").string();
  if (!options.dry_run) trawl::inspect_data(spec);  // a job that can only fail is not worth queueing
  trawl::SubmitPlan plan = trawl::submit_sweep(spec, grid, options);
  if (options.dry_run) {
    std::cout << "# " << plan.script_path << " (not written: --dry-run)\n" << plan.script << "\n# sbatch:\n";
  } else {
    std::cout << "wrote " << plan.script_path << "\n";
  }
  for (std::size_t i = 0; i < plan.sbatch_commands.size(); ++i) {
    std::vector<std::string> quoted;
    for (const auto& a : plan.sbatch_commands[i]) quoted.push_back(trawl::shell_quote(a));
    std::cout << trawl::join(quoted, " ");
    if (i < plan.job_ids.size()) std::cout << "   # job " << plan.job_ids[i];
    std::cout << "\n";
  }
  if (!options.dry_run)
    std::cout << "follow it with: trawl status " << spec.results_dir() << "\n";
  return 0;
}

int report_error(const std::exception& e, bool input, bool print) {
  if (print && std::strlen(e.what()) > 0) std::cerr << "trawl: error: " << e.what() << "\n";
  return static_cast<int>(input ? trawl::ExitCode::bad_input : trawl::ExitCode::runtime_error);
}

int run(int argc, char** argv) {
  // First of all: a signal that comes while MPI or torch start must not kill us.
  trawl::install_stop_handlers();
  trawl::MpiEnvironment mpi(&argc, &argv);
  trawl::Communicator world = trawl::Communicator::world();
  const bool rank0 = world.rank() == 0;
  try {
    Args args(argc, argv, 2, {"--array-index", "--array-count", "--threads", "--deadline"},
              {"--save-final", "--retry-failed"});
    trawl::SweepSpec spec = trawl::parse_sweep_file(args.only_positional("sweep file"));
    trawl::RunOptions options;
    options.array_index = args.integer("--array-index");
    options.array_count = args.integer("--array-count");
    options.save_final = args.has("--save-final");
    options.threads = static_cast<int>(args.integer("--threads").value_or(0));
    options.retry_failed = args.has("--retry-failed");
    if (auto deadline = args.value("--deadline")) options.deadline = parse_deadline(*deadline);
    trawl::RunSummary summary = trawl::run_sweep(spec, options, world);
    std::int64_t totals[5] = {summary.done, summary.failed, summary.diverged, summary.skipped, summary.interrupted};
    world.all_reduce(totals, totals, 5, MPI_INT64_T, MPI_SUM);
    if (totals[4] > 0) {
      if (rank0)
        std::cout << "[trawl] stopped early: " << totals[0] << " done, " << totals[1] << " failed, " << totals[2]
                  << " diverged this run; run the same command again to resume" << std::endl;
      return static_cast<int>(trawl::ExitCode::interrupted);
    }
    if (rank0)
      std::cout << "[trawl] finished: " << totals[0] << " done, " << totals[1] << " failed, " << totals[2]
                << " diverged, " << totals[3] << " skipped (recorded before); results in " << spec.results_file()
                << std::endl;
    return 0;
  } catch (const trawl::InputError& e) {
    // Input errors are found alike on every rank; one message is enough.
    return report_error(e, true, rank0);
  } catch (const std::exception& e) {
    std::cerr << "trawl: error on rank " << world.rank() << ": " << e.what() << "\n";
    // Other ranks may be waiting for this one in a collective call.
    if (world.size() > 1) world.abort(static_cast<int>(trawl::ExitCode::runtime_error));
    return static_cast<int>(trawl::ExitCode::runtime_error);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << main_help;
    return static_cast<int>(trawl::ExitCode::bad_input);
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << main_help;
    return 0;
  }
  if (command == "--version") {
    std::cout << "trawl " << trawl::version() << "\n";
    return 0;
  }
  struct Verb {
    const char* name;
    const char* help;
  };
  for (const Verb& verb : {Verb{"validate", validate_help}, Verb{"plan", plan_help}, Verb{"run", run_help},
                           Verb{"status", status_help}, Verb{"report", report_help},
                           Verb{"repair", repair_help}, Verb{"submit", submit_help}}) {
    if (command == verb.name && wants_help(argc, argv)) {
      std::cout << verb.help;
      return 0;
    }
  }
  if (command == "run") return run(argc, argv);
  try {
    if (command == "validate") return validate(Args(argc, argv, 2, {}, {}));
    if (command == "plan") return plan(Args(argc, argv, 2, {"--array-count", "--ranks"}, {}));
    if (command == "status") return status(Args(argc, argv, 2, {}, {}));
    if (command == "report") return report(Args(argc, argv, 2, {"--top", "--format", "--filter"}, {}));
    if (command == "repair") return repair(Args(argc, argv, 2, {}, {}));
    if (command == "submit") return submit(argc, argv);
    std::cerr << "trawl: unknown command '" << command << "' (see trawl --help)\n";
    return static_cast<int>(trawl::ExitCode::bad_input);
  } catch (const trawl::InputError& e) {
    return report_error(e, true, true);
  } catch (const std::exception& e) {
    return report_error(e, false, true);
  }
}
