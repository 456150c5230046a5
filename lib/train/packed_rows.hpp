// lib/train: packing (data.packing): a language model's examples, whole, one
// after another in rows of model.seq_len, so that short examples do not
// train on a row of padding each. Each example keeps its own positions
// (from 0) and attends only to itself (Batch::positions), so a packed row's
// loss is the sum of its examples' losses unpacked. Validation rows stay one
// example each: per-example metrics and generation read them as they are.
#pragma once

#include <cstdint>
#include <vector>

namespace trawl {

// Examples of `lengths` tokens (each 1 to `capacity`) in rows of `capacity`,
// best-fit decreasing: the longest first (ties in index order), each into
// the row with the least room that still fits it, else a new row. The same
// lengths always give the same rows; the trainer shuffles them per seed.
std::vector<std::vector<std::int64_t>> pack_examples(const std::vector<std::int64_t>& lengths,
                                                     std::int64_t capacity);

// The share of a training split's row tokens that are padding, one example
// to a row (rows as wide as the longest) and packed (rows as wide as the
// fullest), each example cut to seq_len.
struct PaddingShare {
  std::int64_t tokens = 0;                  // the examples' tokens, cut
  std::int64_t rows = 0, width = 0;         // one example to a row
  std::int64_t packed_rows = 0, packed_width = 0;
  double unpacked() const;
  double packed() const;
};
PaddingShare padding_share(const std::vector<std::int64_t>& lengths, std::int64_t seq_len);

}  // namespace trawl
