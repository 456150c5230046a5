// lib/train: checks the files a sweep names before anything runs: the data
// file and its datasets exist, their types and shapes fit the task, and every
// model.init file exists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/sweep_spec.hpp"

namespace trawl {

// The data's sizes: every rank holds rank 0's (a typed broadcast).
struct DataCounts {
  std::int64_t train_rows = 0, val_rows = 0;  // rows, or bytes of text
  std::int64_t features = 0;
  std::int64_t outputs = 0;  // classes, regression targets per row, or 256 byte values
  int classes = 0;           // 0 for regression
  // Token shards (data.kind = "tokens"): windows of seq_len + 1 tokens at the sweep's largest model.seq_len.
  std::int64_t seq_len = 0, train_windows = 0, val_windows = 0;
  // JSON lines (data.kind = "jsonl"): the tokenized cache's name in
  // <sweep.dir>/data/, which rank 0 made and every rank maps.
  char data_cache[40] = {};
  // A sequence classifier's rows of token ids: what pads them (and its
  // export's config.json's pad_token_id).
  std::int64_t pad_id = 0;
};

struct DataShape : DataCounts {
  // What makes a metric of the sweep undefined on this data, for validate to print.
  std::vector<std::string> warnings;
  // What validate prints under its data line (per file of JSON lines).
  std::vector<std::string> details;
};

// Throws InputError naming the file, the dataset path and the key's position.
DataShape inspect_data(const SweepSpec& spec);
// What inspect_data found, in data.kind's words ("1000 train / 200 val rows,
// 8 features, 3 classes"), for validate.
std::string describe_data(const SweepSpec& spec, const DataShape& shape);

}  // namespace trawl
