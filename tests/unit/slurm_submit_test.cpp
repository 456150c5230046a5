#include "catch_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "grid/grid.hpp"
#include "slurm/submit.hpp"
#include "test_files.hpp"

namespace {

// What bash makes of a quoted word: it must be the original text, run nothing.
std::string through_bash(const std::string& quoted) {
  const std::string command = "bash -c 'printf %s \"$1\"' _ " + quoted;
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buf[256];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("shell quoting survives spaces, quotes and command substitutions", "[slurm]") {
  for (const std::string text : {"plain", "with space", "it's", "$(touch /tmp/trawl-injected)", "`id`", "a\"b",
                                 "semi;colon && rm -rf x", "new\nline", ""}) {
    INFO(text);
    CHECK(through_bash(trawl::shell_quote(text)) == text);
  }
  CHECK(trawl::shell_quote("/abs/path-1.toml") == "/abs/path-1.toml");
  CHECK(std::fopen("/tmp/trawl-injected", "r") == nullptr);
}

namespace {

trawl::SubmitOptions dry_run() {
  trawl::SubmitOptions o;
  o.dry_run = true;
  o.max_array_size = 1001;
  o.trawl_binary = "/opt/trawl/bin/trawl";
  return o;
}

std::string sweep_text(const std::string& name_line) {
  return "[sweep]\n" + name_line + "\n[data]\npath = \"d.h5\"\n[grid]\ntrain.lr = [0.1, 0.01]\n";
}

// TOML's escape for any byte, so a test can put every character into a string.
std::string toml_escaped(char c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
  return buf;
}

}  // namespace

TEST_CASE("no character of any value reaching the job script can start a command", "[slurm]") {
  std::string controls;
  for (int c = 1; c < 0x20; ++c) controls += static_cast<char>(c);
  controls += '\x7f';
  const std::string metas = " $`\"'\\;&|<>()*?[]{}!#~%";
  for (char c : controls + metas) {
    INFO("byte " << static_cast<int>(static_cast<unsigned char>(c)));
    // sweep.name: a safe character set, checked when the file is parsed.
    CHECK_FALSE(trawl::test::parse_error(sweep_text("name = \"x" + toml_escaped(c) + "y\"")).empty());
    // sweep.dir and the paths: control characters refused, the rest quoted.
    trawl::SweepSpec spec = trawl::test::parse(sweep_text("name = \"ok\""));
    const std::string dir = "/tmp/trawl dir" + std::string(1, c) + "end";
    spec.settings["sweep.dir"].value = dir;
    const trawl::Grid grid(spec);
    if (controls.find(c) != std::string::npos) {
      CHECK_THROWS_AS(trawl::submit_sweep(spec, grid, dry_run()), trawl::InputError);
      trawl::SubmitOptions binary = dry_run();
      binary.trawl_binary += std::string(1, c);
      spec.settings["sweep.dir"].value = std::string("/tmp/plain");
      CHECK_THROWS_AS(trawl::submit_sweep(spec, grid, binary), trawl::InputError);
      continue;
    }
    const trawl::SubmitPlan plan = trawl::submit_sweep(spec, grid, dry_run());
    // Quoted where it appears, the script still parses, and the value is
    // what bash reads back: nothing of it runs.
    CHECK(plan.script.find("#SBATCH --output=" + trawl::shell_quote(dir + "/logs/%A_%a.log")) != std::string::npos);
    CHECK(through_bash(trawl::shell_quote(dir)) == dir);
    const std::string path = trawl::test::scratch_dir("submit-script") + "/job.sbatch";
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs(plan.script.c_str(), file);
    std::fclose(file);
    CHECK(std::system(("bash -n " + path).c_str()) == 0);
  }
}

TEST_CASE("submit refuses counts that make no sense", "[slurm]") {
  const trawl::SweepSpec spec = trawl::test::parse(sweep_text("name = \"ok\""));
  const trawl::Grid grid(spec);
  auto error = [&](auto change) {
    trawl::SubmitOptions o = dry_run();
    change(o);
    try {
      trawl::submit_sweep(spec, grid, o);
    } catch (const trawl::InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error([](auto& o) { o.array_count = -3; }) == "--array-count must be at least 1, not -3");
  CHECK(error([](auto& o) { o.array_count = 99999999999; }).find("is more than the sweep's 2 trials") !=
        std::string::npos);
  CHECK(error([](auto& o) { o.throttle = -1; }) == "--throttle must be at least 1, not -1");
  CHECK(error([](auto& o) { o.ranks = -2; }) == "--ranks must be at least 1, not -2");
  CHECK(error([](auto& o) { o.cpus_per_rank = 0; }) == "--cpus-per-rank must be at least 1, not 0");
  CHECK(error([](auto& o) { o.array_count = 2; }).empty());
}
