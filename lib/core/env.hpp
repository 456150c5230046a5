// lib/core: reading the process environment (Slurm's variables, trawl's own
// TRAWL_* settings) with checked conversions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace trawl {

// The integer value of an environment variable; nullopt when it is unset or
// empty; InputError naming the variable when it is not an integer.
std::optional<std::int64_t> env_integer(const char* name);

// This machine's host name (as gethostname gives it).
std::string host_name();

}  // namespace trawl
