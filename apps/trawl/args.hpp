// apps/trawl: a small command-line parser: positionals, --flag value and
// --switch. Unknown flags and missing values are usage errors (exit 2).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace trawl::cli {

class Args {
 public:
  // `valued`: flags that take a value; `switches`: flags that do not.
  Args(int argc, char** argv, int first, const std::set<std::string>& valued, const std::set<std::string>& switches);

  bool has(const std::string& flag) const { return switches_.count(flag) || values_.count(flag); }
  std::optional<std::string> value(const std::string& flag) const;  // the last one given
  std::vector<std::string> values(const std::string& flag) const;   // every one, in order
  std::optional<std::int64_t> integer(const std::string& flag) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // The single positional argument `what` names, or a usage error.
  const std::string& only_positional(const std::string& what) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace trawl::cli
