// lib/core: file names given as a shell glob (e.g. token shards
// "data/train_*.bin"), expanded the way the shell would.
#pragma once

#include <string>
#include <vector>

namespace trawl {

bool has_glob_characters(const std::string& pattern);
// The files a pattern matches, sorted; a pattern without glob characters
// is returned as is (whether it exists or not). Throws InputError when a
// pattern matches nothing.
std::vector<std::string> expand_glob(const std::string& pattern);

}  // namespace trawl
