#include "store/claim_cursor.hpp"

#include "h5/handle.hpp"
#include "h5/io.hpp"
#include "h5/typed.hpp"

namespace trawl {

namespace {
const char* const cursor_path = "schedule/cursor";
}

ClaimCursor read_claim_cursor(hid_t file) {
  if (!h5::exists(file, cursor_path)) return {};
  const std::vector<std::int64_t> values = h5::read<std::int64_t>(file, cursor_path);
  if (values.empty()) return {};
  return ClaimCursor{values[0], std::vector<TrialId>(values.begin() + 1, values.end())};
}

void write_claim_cursor(hid_t file, const ClaimCursor& cursor) {
  std::vector<std::int64_t> values{cursor.next};
  values.insert(values.end(), cursor.held.begin(), cursor.held.end());
  h5::Dataset dataset = h5::exists(file, cursor_path) ? h5::open_dataset(file, cursor_path)
                                                      : h5::create_log_column(file, cursor_path, H5T_STD_I64LE);
  h5::replace_rows(dataset, H5T_NATIVE_INT64, values.size(), values.data());
}

// Without a cursor (a file of the static schedule), read_claim_cursor gives
// next = 0, and nothing is lowered.
void lower_claim_cursor(hid_t file, TrialId trial) {
  ClaimCursor cursor = read_claim_cursor(file);
  if (trial >= cursor.next) return;
  cursor.next = trial;
  write_claim_cursor(file, cursor);
}

}  // namespace trawl
