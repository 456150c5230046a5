#include "slurm/submit.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

// Runs argv (no shell) and returns its exit code and standard output.
std::pair<int, std::string> run_command(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe(out) != 0) throw Error(std::string("pipe failed: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) throw Error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  std::array<char, 4096> buf;
  for (ssize_t n; (n = read(out[0], buf.data(), buf.size())) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf.data(), static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, text};
}

std::string job_script(const SweepSpec& spec, const SubmitOptions& o, std::int64_t array_count, std::int64_t ranks) {
  const std::string dir = spec.results_dir();
  const std::string sweep = fs::absolute(spec.path).lexically_normal().string();
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by `trawl submit` for sweep " << spec.string("sweep.name") << ": submit it with the sbatch\n"
    << "# line(s) `trawl submit --dry-run` prints; each array part sets TRAWL_ARRAY_OFFSET.\n"
    << "#SBATCH --job-name=" << shell_quote("trawl-" + spec.string("sweep.name")) << "\n"
    << "#SBATCH --ntasks=" << ranks << "\n";
  if (o.nodes > 1) s << "#SBATCH --nodes=" << o.nodes << "\n";
  s << "#SBATCH --ntasks-per-node=" << ranks / o.nodes << "\n"
    << "#SBATCH --cpus-per-task=" << o.cpus_per_rank << "\n";
  if (o.gpus_per_rank > 0) s << "#SBATCH --gpus-per-task=" << o.gpus_per_rank << "\n";
  s << "#SBATCH --output=" << shell_quote(dir + "/logs/%A_%a.log") << "\n"
    << "#SBATCH --open-mode=append\n"
    << "#SBATCH --signal=B:USR2@" << o.grace_seconds << "\n"
    << "#SBATCH --requeue\n\n"
    << "set -uo pipefail\n"
    << "trawl=" << shell_quote(o.trawl_binary) << "\n"
    << "sweep=" << shell_quote(sweep) << "\n"
    << "array_count=" << array_count << "\n"
    << "max_requeues=${TRAWL_MAX_REQUEUES:-10}\n\n"
    << "echo \"trawl: job ${SLURM_JOB_ID} array task ${SLURM_ARRAY_TASK_ID:-0} (+${TRAWL_ARRAY_OFFSET:-0})"
       " restart ${SLURM_RESTART_COUNT:-0} on $(hostname)\"\n"
    << "# Slurm signals the batch shell before the time limit: pass it on to the ranks.\n"
    << "trap 'kill -USR2 \"$srun_pid\" 2>/dev/null' USR2 TERM\n"
    << "srun --mpi=pmix \"$trawl\" run \"$sweep\" --array-count \"$array_count\" &\n"
    << "srun_pid=$!\n"
    << "wait \"$srun_pid\"; rc=$?\n"
    << "while kill -0 \"$srun_pid\" 2>/dev/null; do wait \"$srun_pid\"; rc=$?; done\n\n"
    << "# Exit code 3: stopped early with everything checkpointed: requeue to resume.\n"
    << "if [ \"$rc\" -eq 3 ] && [ \"${SLURM_RESTART_COUNT:-0}\" -lt \"$max_requeues\" ]; then\n"
    << "  echo \"trawl: stopped early; requeueing job ${SLURM_JOB_ID}\"\n"
    << "  scontrol requeue \"$SLURM_JOB_ID\"\n"
    << "fi\n"
    << "exit \"$rc\"\n";
  return s.str();
}

}  // namespace

std::string shell_quote(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
                           std::string::npos)
    return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::int64_t cluster_max_array_size() {
  auto [code, out] = run_command({"scontrol", "show", "config"});
  if (code != 0) throw Error("`scontrol show config` failed (exit " + std::to_string(code) + "); is Slurm reachable?");
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(MaxArraySize\s*=\s*(\d+))"))) return std::stoll(m[1]);
  return 1001;  // Slurm's default
}

namespace {

// A value the job script holds (quoted) must not hold a control character:
// a newline would end an #SBATCH comment and start a command of its own.
void check_script_safe(const std::string& what, const std::string& value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f)
      throw InputError(what + " holds a control character (byte " + std::to_string(c) + " at position " +
                       std::to_string(i) + "), which a job script cannot carry safely: rename it");
  }
}

void check_counts(const SubmitOptions& o, const Grid& grid) {
  auto at_least = [](const char* flag, std::int64_t value, std::int64_t least) {
    if (value < least)
      throw InputError(std::string(flag) + " must be at least " + std::to_string(least) + ", not " +
                       std::to_string(value));
  };
  if (o.array_count != 0) at_least("--array-count", o.array_count, 1);
  if (o.array_count > grid.size())
    throw InputError("--array-count " + std::to_string(o.array_count) + " is more than the sweep's " +
                     std::to_string(grid.size()) + " trials: at most " + std::to_string(grid.size()) +
                     " array tasks can have work");
  if (o.throttle != 0) at_least("--throttle", o.throttle, 1);
  if (o.ranks != 0) at_least("--ranks", o.ranks, 1);
  at_least("--nodes", o.nodes, 1);
  at_least("--cpus-per-rank", o.cpus_per_rank, 1);
  at_least("--gpus-per-rank", o.gpus_per_rank, 0);
  at_least("--grace", o.grace_seconds, 0);
}

}  // namespace

SubmitPlan submit_sweep(const SweepSpec& spec, const Grid& grid, const SubmitOptions& options) {
  check_counts(options, grid);
  const std::int64_t ranks_per_trial = spec.integer("sweep.ranks_per_trial");
  const std::int64_t ranks = options.ranks > 0 ? options.ranks : ranks_per_trial;
  if (ranks % ranks_per_trial != 0)
    throw InputError("--ranks " + std::to_string(ranks) + " must be a multiple of sweep.ranks_per_trial (" +
                     std::to_string(ranks_per_trial) + ")");
  if (ranks % options.nodes != 0)
    throw InputError("--nodes " + std::to_string(options.nodes) + " must divide the task's " + std::to_string(ranks) +
                     " ranks (every node runs as many)");
  const std::int64_t count = options.array_count > 0 ? options.array_count : std::min<std::int64_t>(grid.size(), 64);
  if (options.trawl_binary.empty()) throw Error("internal: no trawl binary for the job script");
  check_script_safe("sweep.dir (" + spec.results_dir() + ")", spec.results_dir());
  check_script_safe("the sweep file's path", fs::absolute(spec.path).string());
  check_script_safe("the trawl binary's path", options.trawl_binary);
  check_script_safe("sweep.name", spec.string("sweep.name"));
  std::int64_t max_size = options.max_array_size;
  if (max_size <= 0) {
    try {
      max_size = cluster_max_array_size();
    } catch (const Error& e) {
      if (!options.dry_run) throw;
      max_size = 1001;  // a dry run may be planned away from the cluster
      std::fprintf(stderr, "trawl submit: %s; assuming Slurm's default MaxArraySize of 1001\n", e.what());
    }
  }

  SubmitPlan plan;
  plan.script_path = spec.results_dir() + "/job.sbatch";
  plan.script = job_script(spec, options, count, ranks);
  // MaxArraySize caps the largest index (max_size - 1), not just the count.
  for (std::int64_t offset = 0; offset < count; offset += max_size) {
    const std::int64_t n = std::min(max_size, count - offset);
    std::vector<std::string> argv{"sbatch", "--parsable"};
    argv.push_back("--array=0-" + std::to_string(n - 1) +
                   (options.throttle > 0 ? "%" + std::to_string(options.throttle) : ""));
    argv.push_back("--export=ALL,TRAWL_ARRAY_OFFSET=" + std::to_string(offset));
    argv.insert(argv.end(), options.sbatch_options.begin(), options.sbatch_options.end());
    argv.push_back(plan.script_path);
    plan.sbatch_commands.push_back(std::move(argv));
  }
  if (options.dry_run) return plan;

  fs::create_directories(spec.results_dir() + "/logs");
  write_file_durably(plan.script_path, plan.script);
  fs::permissions(plan.script_path, fs::perms::owner_exec, fs::perm_options::add);
  for (const auto& argv : plan.sbatch_commands) {
    auto [code, out] = run_command(argv);
    if (code != 0)
      throw Error("sbatch failed (exit " + std::to_string(code) + ") for: " + join(argv, " ") +
                  (plan.job_ids.empty() ? "" : "; already submitted: " + join(plan.job_ids, ", ")));
    std::string id = out.substr(0, out.find_first_of(";\n"));
    plan.job_ids.push_back(id);
  }
  return plan;
}

}  // namespace trawl
