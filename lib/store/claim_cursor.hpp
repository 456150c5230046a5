// lib/store: the dynamic schedule's ClaimCursor, kept in the results file as
// /schedule/cursor: [next, held...]. A hint, not a record: files without it
// (made before it, rebuilt by repair, compacted, grown) start at trial 0, and
// the journals do not carry it.
#pragma once

#include <hdf5.h>

#include "schedule/trial_board.hpp"

namespace trawl {

ClaimCursor read_claim_cursor(hid_t file);
void write_claim_cursor(hid_t file, const ClaimCursor& cursor);
// A trial made pending again (interrupted) must be found by the next claim.
void lower_claim_cursor(hid_t file, TrialId trial);

}  // namespace trawl
