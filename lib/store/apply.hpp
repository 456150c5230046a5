// lib/store (internal): a record's writes to an open results file. The same
// function serves a live write and `trawl repair`'s replay of a journal.
#pragma once

#include <hdf5.h>

#include "store/record.hpp"

namespace trawl {

void apply(hid_t file, const Record& record);
// The attempt a start or claim makes (attempts so far + 1), read under the lock.
std::int64_t next_attempt(hid_t file, TrialId trial);

}  // namespace trawl
