#include "core/file_glob.hpp"

#include <glob.h>

#include <memory>

#include "core/error.hpp"

namespace trawl {

namespace {

struct GlobDeleter {
  void operator()(glob_t* g) const {
    globfree(g);
    delete g;
  }
};

}  // namespace

bool has_glob_characters(const std::string& pattern) { return pattern.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand_glob(const std::string& pattern) {
  if (!has_glob_characters(pattern)) return {pattern};
  std::unique_ptr<glob_t, GlobDeleter> g(new glob_t{});
  // No GLOB_ERR: a missing directory in the pattern is "no match", as in the shell.
  const int rc = ::glob(pattern.c_str(), 0, nullptr, g.get());
  if (rc == GLOB_NOMATCH) throw InputError("no file matches '" + pattern + "'");
  if (rc != 0) throw InputError("cannot expand '" + pattern + "' (" + (rc == GLOB_ABORTED ? "read error" : "out of memory") + ")");
  std::vector<std::string> files(g->gl_pathv, g->gl_pathv + g->gl_pathc);  // glob sorts them
  return files;
}

}  // namespace trawl
