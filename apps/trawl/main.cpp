// apps/trawl: the trawl command line (CLI11). It parses arguments, calls
// lib/, and turns errors into a message and an exit code (docs/cli.md).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <string>

#include "comm/mpi.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "grid/grid.hpp"
#include "report/sweep_report.hpp"
#include "slurm/stop_signal.hpp"
#include "slurm/submit.hpp"
#include "spec/parse.hpp"
#include "sweep/build_info.hpp"
#include "sweep/plan.hpp"
#include "sweep/repair.hpp"
#include "sweep/run.hpp"
#include "sweep/status.hpp"
#include "text/jsonl_file.hpp"
#include "train/data_check.hpp"
#include "train/model_check.hpp"

namespace {

// The stop handlers go in before anything else runs: libtorch's static
// initialisers take most of a second before main, and a SIGUSR1 (Slurm's
// warning, forwarded by mpirun) that came then would kill the rank. The main
// executable's preinit_array runs before any shared library's initialiser.
void install_stop_handlers_first(int, char**, char**) { trawl::install_stop_handlers(); }
[[maybe_unused]] __attribute__((section(".preinit_array"), used)) void (*const preinit_stop_handlers)(
    int, char**, char**) = install_stop_handlers_first;

constexpr int exit_code(trawl::ExitCode code) { return static_cast<int>(code); }

const char* const footer = R"(exit codes: 0 success, 1 runtime failure (I/O, MPI, HDF5), 2 bad input
(sweep file, data set or command line; the message says where), 3 stopped
early by a signal or deadline (run again to resume).
Documentation: docs/sweep-file.md, docs/cli.md, docs/results-file.md.)";

const char* const run_footer = R"(Trials already recorded (done, failed, diverged) are skipped, so running it
again continues a sweep. Trials checkpoint as [checkpoint] says and resume
from their newest good checkpoint. SIGUSR1, SIGUSR2, SIGTERM or SIGINT stop
the run at the next step: the running trial checkpoints, is recorded as
pending, and trawl exits with code 3; a second signal stops without the
checkpoint. Run it again to resume.)";

const char* const tokenize_footer = R"(Each input line is {"text": ...}, {"prompt": ..., "completion": ...},
{"text": ..., "label": ...} or {"messages": [...]} (one format per input);
each output line is {"input_ids": [...], "labels": [...]} (a label for
labelled text): the tokens with the tokenizer's special tokens and EOS, and
-100 in labels where no loss is taken (the prompt). A conversation is rendered
with the model's chat template (or --chat-template) and tokenized whole; its
assistant turns train (all tokens with --train-on all). docs/llm.md gives the
rules.)";

const char* const report_footer = R"(Reads a sweep's results file (finished, or still being written): the top K
trials by sweep.metric (each trial's best eval point) with their parameters;
for every axis, the mean, best and spread over seeds of the metric for each
value; a parameter-importance ranking (docs/report.md); and the failed,
diverged and pruned trials with their reasons. A CSV holds one table, `top`
unless --table picks another.)";

struct Options {
  std::string file;
  std::optional<std::int64_t> array_index, array_count, ranks;
  std::int64_t top = 10;
  std::string format = "table", table, deadline;
  std::vector<std::string> filters, sbatch;
  trawl::RunOptions run;
  trawl::SubmitOptions submit;
  bool compact = false;
  std::int64_t max_length = 0;
  std::string chat_template, train_on = "assistant";
};

int validate(const Options& o) {
  trawl::SweepSpec spec = trawl::parse_sweep_file(o.file);
  trawl::Grid grid(spec);
  trawl::DataShape data = trawl::inspect_data(spec);
  trawl::check_models(spec, grid, data);
  for (const std::string& warning : data.warnings) std::cerr << "trawl: warning: " << spec.path << ": " << warning << "\n";
  std::cout << spec.path << ": ok, " << grid.size() << " trials over " << grid.axis_names().size() << " axes and "
            << grid.seeds().size() << " seed(s); data ";
  std::cout << trawl::describe_data(spec, data) << "\n";
  for (const std::string& detail : data.details) std::cout << "  " << detail << "\n";
  return 0;
}

int tokenize(const Options& o) {
  const trawl::Tokenizer tokenizer = trawl::Tokenizer::from_dir(o.file);
  const trawl::ChatData chat = trawl::chat_data_of(tokenizer.files(), o.chat_template, o.train_on == "all");
  trawl::tokenize_jsonl(tokenizer, std::cin, std::cout, "<stdin>", o.max_length, &chat);
  return 0;
}

int plan(const Options& o) {
  trawl::SweepSpec spec = trawl::parse_sweep_file(o.file);
  trawl::Grid grid(spec);
  trawl::PlanOptions options;
  options.array_count = o.array_count.value_or(1);
  options.ranks = o.ranks.value_or(spec.integer("sweep.ranks_per_trial"));
  std::cout << trawl::plan_report(spec, grid, options);
  return 0;
}

int report(const Options& o) {
  trawl::ReportOptions options;
  if (o.top < 1) throw trawl::InputError("--top must be at least 1, not " + std::to_string(o.top));
  options.top = static_cast<std::size_t>(o.top);
  for (const auto& filter : o.filters) options.filters.push_back(trawl::parse_filter(filter));
  const trawl::TableFormat format = trawl::parse_table_format(o.format);
  std::vector<trawl::Table> tables = trawl::sweep_report(o.file, options);
  const std::string table = o.table.empty() && format == trawl::TableFormat::csv ? "top" : o.table;
  if (!table.empty()) tables = trawl::pick_table(tables, table);
  std::cout << trawl::render(tables, format);
  return 0;
}

int repair(const Options& o) {
  if (o.compact) {
    const trawl::CompactReport c = trawl::compact_sweep(o.file);
    std::cout << "compacted " << trawl::results_file_in(o.file) << ": " << c.bytes_before << " -> " << c.bytes_after
              << " bytes\n";
    return 0;
  }
  trawl::RepairReport r = trawl::repair_sweep(o.file);
  std::cout << "rebuilt " << r.results << " from " << r.records << " journal records\n";
  if (r.journals_torn) std::cout << r.journals_torn << " journal(s) ended in a torn record (a writer died mid-append)\n";
  if (r.damaged_stretches)
    std::cout << r.damaged_stretches << " damaged stretch(es) of journal skipped; the records after them were read\n";
  if (r.old_was_readable)
    std::cout << "the old file was readable: " << r.merged << " trial(s) it held further along were kept, and it is "
              << "kept as " << r.moved_aside << "\n";
  else if (!r.moved_aside.empty())
    std::cout << "the damaged file is kept as " << r.moved_aside << "\n";
  return 0;
}

int submit(Options o) {
  trawl::SweepSpec spec = trawl::parse_sweep_file(o.file);
  trawl::Grid grid(spec);
  o.submit.sbatch_options = o.sbatch;
  // The launcher (launcher.c) says where it is; the engine's own path when started directly.
  const char* launcher = std::getenv("TRAWL_EXECUTABLE");
  o.submit.trawl_binary = launcher ? launcher : std::filesystem::canonical("/proc/self/exe").string();
  if (!o.submit.dry_run) trawl::inspect_data(spec);  // a job that can only fail is not worth queueing
  trawl::SubmitPlan plan = trawl::submit_sweep(spec, grid, o.submit);
  if (o.submit.dry_run)
    std::cout << "# " << plan.script_path << " (not written: --dry-run)\n" << plan.script << "\n# sbatch:\n";
  else
    std::cout << "wrote " << plan.script_path << "\n";
  for (std::size_t i = 0; i < plan.sbatch_commands.size(); ++i) {
    std::vector<std::string> quoted;
    for (const auto& a : plan.sbatch_commands[i]) quoted.push_back(trawl::shell_quote(a));
    std::cout << trawl::join(quoted, " ");
    if (i < plan.job_ids.size()) std::cout << "   # job " << plan.job_ids[i];
    std::cout << "\n";
  }
  if (!o.submit.dry_run) std::cout << "follow it with: trawl status " << spec.results_dir() << "\n";
  return 0;
}

// "+SECONDS" from now, or Unix seconds.
double parse_deadline(const std::string& text) {
  const bool relative = !text.empty() && text[0] == '+';
  const auto value = trawl::parse_double(relative ? text.substr(1) : text);
  if (!value || !(*value > 0))
    throw trawl::InputError("--deadline takes Unix seconds or +SECONDS, not '" + text + "'");
  if (!relative) return *value;
  return *value + std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Every rank of mpirun/srun runs this; exit 3 when any rank was stopped early.
int run_on(const trawl::Communicator& world, Options o) {
  trawl::SweepSpec spec = trawl::parse_sweep_file(o.file);
  o.run.array_index = o.array_index;
  o.run.array_count = o.array_count;
  if (!o.deadline.empty()) o.run.deadline = parse_deadline(o.deadline);
  const trawl::RunSummary summary = trawl::run_sweep(spec, o.run, world);
  const trawl::RunSummary totals = world.all_reduce(summary, MPI_SUM);
  const bool rank0 = world.rank() == 0;
  if (totals.interrupted > 0) {
    if (rank0)
      std::cout << "[trawl] stopped early: " << totals.done << " done, " << totals.failed << " failed, "
                << totals.diverged << " diverged this run; run the same command again to resume" << std::endl;
    return exit_code(trawl::ExitCode::interrupted);
  }
  if (rank0)
    std::cout << "[trawl] finished: " << totals.done << " done, " << totals.failed << " failed, " << totals.diverged
              << " diverged, " << totals.skipped << " skipped (recorded before)"
              << (totals.paused > 0 ? ", " + std::to_string(totals.paused) + " paused at rungs" : std::string())
              << "; results in " << spec.results_file()
              << std::endl;
  return 0;
}

int run(const Options& o, int& argc, char**& argv) {
  std::optional<trawl::MpiEnvironment> mpi;
  try {
    mpi.emplace(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "trawl: error: cannot start MPI: " << e.what() << "\n";
    return exit_code(trawl::ExitCode::runtime_error);
  }
  trawl::Communicator world = trawl::Communicator::world();
  try {
    return run_on(world, o);
  } catch (const trawl::InputError& e) {
    // Input errors are found alike on every rank; one message is enough.
    if (world.rank() == 0 && *e.what()) std::cerr << "trawl: error: " << e.what() << "\n";
    return exit_code(trawl::ExitCode::bad_input);
  } catch (const std::exception& e) {
    std::cerr << "trawl: error on rank " << world.rank() << ": " << e.what() << "\n";
    // Other ranks may be waiting for this one in a collective call.
    if (world.size() > 1) world.abort(exit_code(trawl::ExitCode::runtime_error));
    return exit_code(trawl::ExitCode::runtime_error);
  }
}

void add_file(CLI::App* command, Options& o, const char* what, const char* name = "FILE") {
  command->add_option(name, o.file, what)->required();
}

// A count: a positive integer, said so in those words (not CLI11's range of doubles).
const CLI::Validator positive_integer(
    [](std::string& text) {
      const auto n = trawl::parse_int64(text);
      return n && *n >= 1 && *n <= std::numeric_limits<int>::max()
                 ? std::string()
                 : "must be a positive integer, not '" + text + "'";
    },
    "N>0", "positive integer");

void add_run(CLI::App& app, Options& o) {
  auto* c = app.add_subcommand("run", "run this worker's trials (every rank of mpirun/srun runs it)");
  add_file(c, o, "the sweep file");
  c->add_option("--array-index", o.array_index, "this array task's index (default: from SLURM_ARRAY_TASK_ID)");
  c->add_option("--array-count", o.array_count, "array tasks (default: SLURM_ARRAY_TASK_COUNT or 1)")
      ->check(positive_integer);
  c->add_flag("--save-final", o.run.save_final, "save each done trial's weights to <sweep.dir>/trials/<id>/final.pt (causal_lm: its PEFT adapter/ or Hugging Face model/ there)");
  c->add_option("--threads", o.run.threads, "libtorch threads per rank (default: SLURM_CPUS_PER_TASK, else cores / ranks)")
      ->check(positive_integer);
  c->add_flag("--retry-failed", o.run.retry_failed, "run failed and diverged trials again");
  c->add_option("--deadline", o.deadline,
                "stop by T (Unix seconds, or +SECONDS): checkpoint checkpoint.deadline_margin before it, exit 3");
  c->footer(run_footer);
}

void add_report(CLI::App& app, Options& o) {
  auto* c = app.add_subcommand("report", "top trials, per-axis marginals, parameter importance, failures");
  add_file(c, o, "a sweep directory or its results file", "DIR");
  c->add_option("--top", o.top, "trials in the top table (default 10)")->check(positive_integer);
  c->add_option("--format", o.format, "table (default), csv, json or markdown");
  c->add_option("--table", o.table, "only this table: summary, top, marginals, importance, pareto, problems or rungs");
  c->add_option("--filter", o.filters, "only trials whose axis A (or \"seed\") has value V: A=V, repeatable");
  c->footer(report_footer);
}

void add_submit(CLI::App& app, Options& o) {
  auto* c = app.add_subcommand("submit", "write the job script and submit the sweep as Slurm job array(s)");
  add_file(c, o, "the sweep file");
  auto& s = o.submit;
  c->add_option("--array-count", s.array_count, "array tasks (default: one per trial, at most 64)")
      ->check(positive_integer);
  c->add_option("--throttle", s.throttle, "at most N tasks running at once (sbatch --array=...%N)")
      ->check(positive_integer);
  c->add_option("--ranks", s.ranks, "MPI ranks per task (default: sweep.ranks_per_trial)")->check(positive_integer);
  c->add_option("--nodes", s.nodes, "nodes per task, the ranks spread evenly over them (default 1)")
      ->check(positive_integer);
  c->add_option("--cpus-per-rank", s.cpus_per_rank, "--cpus-per-task (default 1)")->check(positive_integer);
  c->add_option("--gpus-per-rank", s.gpus_per_rank, "--gpus-per-task, one rank per GPU (default: none)");
  c->add_option("--grace", s.grace_seconds, "seconds of warning before the time limit (default 120)");
  c->add_flag("--dry-run", s.dry_run, "print the script and the sbatch lines; submit nothing");
  c->add_option("SBATCH", o.sbatch, "after --: options for every sbatch call (e.g. -- --partition=gpu)");
  c->footer("Tasks stopped by Slurm's pre-timeout signal or by preemption exit 3 and requeue themselves.");
}

void add_commands(CLI::App& app, Options& o) {
  add_file(app.add_subcommand("validate", "check a sweep file and its data; print the grid size"), o, "the sweep file");
  auto* plan = app.add_subcommand("plan", "show the grid, its axes and how it splits over workers");
  add_file(plan, o, "the sweep file");
  plan->add_option("--array-count", o.array_count, "array tasks (default 1)")->check(positive_integer);
  plan->add_option("--ranks", o.ranks, "MPI ranks per array task (default: sweep.ranks_per_trial)")
      ->check(positive_integer);
  add_run(app, o);
  add_file(app.add_subcommand("status", "progress of a sweep: counts by status, best so far, workers"), o,
           "a sweep directory or its results file", "DIR");
  add_report(app, o);
  auto* repair_command = app.add_subcommand("repair", "rebuild a damaged or missing results file from the journals");
  add_file(repair_command, o, "the sweep directory (or its results.h5)", "DIR");
  repair_command->add_flag("--compact", o.compact,
                   "instead, rewrite a readable results file to its minimal size (safe while the sweep runs)");
  add_submit(app, o);
  auto* tokenize_command = app.add_subcommand(
      "tokenize", "tokenize JSON lines from standard input with a model's tokenizer, as training does");
  add_file(tokenize_command, o, "a Hugging Face model directory (its tokenizer.json and tokenizer_config.json)",
           "MODEL_DIR");
  tokenize_command->add_option("--max-length", o.max_length, "cut each example to N tokens, as model.seq_len does")
      ->check(positive_integer);
  tokenize_command->add_option("--chat-template", o.chat_template,
                               "render {\"messages\"} lines with this Jinja file, as data.chat_template does")
      ->check(CLI::ExistingFile);
  tokenize_command->add_option("--train-on", o.train_on, "assistant (default) or all, as data.train_on")
      ->check(CLI::IsMember({"assistant", "all"}));
  tokenize_command->footer(tokenize_footer);
}

// CLI11's messages, made to say which command and what was meant.
std::string failure_message(const CLI::App* app, const CLI::Error& e) {
  const CLI::App* command = app->get_subcommands().empty() ? nullptr : app->get_subcommands().front();
  const std::string where = command ? "trawl " + command->get_name() + ": " : "trawl: ";
  std::string message = e.what();
  if (!command && !app->remaining().empty())
    return "trawl: unknown command '" + app->remaining().front() + "' (see trawl --help)\n";
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    const std::string word = message.substr(message.rfind(' ') + 1);
    if (!command) return "trawl: unknown command '" + word + "' (see trawl --help)\n";
    if (word.rfind('-', 0) == 0) {
      std::vector<std::string> names;
      for (const CLI::Option* option : command->get_options()) names.push_back(option->get_name());
      return where + "unknown option '" + word + "'" + trawl::did_you_mean(word, names) + " (see trawl " +
             command->get_name() + " --help)\n";
    }
  }
  // "--threads: must be a positive integer, not '0'" reads as "--threads must be ...".
  if (dynamic_cast<const CLI::ValidationError*>(&e))
    if (const auto colon = message.find(": must be "); colon != std::string::npos) message.erase(colon, 1);
  return where + message + " (see " + (command ? "trawl " + command->get_name() : std::string("trawl")) +
         " --help)\n";
}

int dispatch(const CLI::App& app, const Options& o, int& argc, char**& argv) {
  const std::string command = app.get_subcommands().front()->get_name();
  // Those that write nothing stop at Ctrl-C at once; run, repair and submit finish what they write.
  if (command == "validate" || command == "plan" || command == "status" || command == "report" || command == "tokenize")
    trawl::stop_signals_end_at_once();
  if (command == "run") return run(o, argc, argv);
  if (command == "validate") return validate(o);
  if (command == "plan") return plan(o);
  if (command == "status") {
    std::cout << trawl::status_report(o.file);
    return 0;
  }
  if (command == "report") return report(o);
  if (command == "tokenize") return tokenize(o);
  if (command == "repair") return repair(o);
  return submit(o);
}

}  // namespace

int main(int argc, char** argv) {
  // Installed already (preinit_stop_handlers); again, should a library's initialiser have replaced them.
  trawl::install_stop_handlers();
  CLI::App app("trawl - exhaustive hyperparameter grid sweeps of fine-tunes, on Slurm or mpirun", "trawl");
  app.set_version_flag("--version", [] { return std::string("trawl ") + trawl::version() + "\n" + trawl::build_description(); });
  app.require_subcommand(1);
  app.footer(footer);
  app.failure_message(failure_message);
  Options o;
  add_commands(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage line
    return exit_code(trawl::ExitCode::bad_input);
  }
  try {
    return dispatch(app, o, argc, argv);
  } catch (const trawl::InputError& e) {
    std::cerr << "trawl: error: " << e.what() << "\n";
    return exit_code(trawl::ExitCode::bad_input);
  } catch (const std::exception& e) {
    std::cerr << "trawl: error: " << e.what() << "\n";
    return exit_code(trawl::ExitCode::runtime_error);
  }
}
