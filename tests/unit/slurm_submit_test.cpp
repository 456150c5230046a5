#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "slurm/submit.hpp"

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
