// lib/sweep: `trawl status`: what a results file says so far. It reads under
// the shared lock, so it never blocks a writer for longer than one read.
#pragma once

#include <string>

namespace trawl {

// `where`: a sweep dir or a results file.
std::string status_report(const std::string& where);

}  // namespace trawl
