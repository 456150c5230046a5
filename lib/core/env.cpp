#include "core/env.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

std::optional<std::int64_t> env_integer(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return std::nullopt;
  const auto value = parse_int64(text);
  if (!value) throw InputError(std::string("environment variable ") + name + "='" + text + "' is not an integer");
  return value;
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace trawl
