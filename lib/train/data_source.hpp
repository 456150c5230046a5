// lib/train: the data kinds, one DataSource per data.kind value, registered
// by name in data_source.cpp; nothing else in trawl compares data.kind. The
// sweep-file rules of a kind (which keys it needs, which models read it) are
// lib/spec/kinds.cpp's row for it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkpoint/hf_config.hpp"
#include "spec/sweep_spec.hpp"
#include "train/data_check.hpp"

namespace trawl {

class LoadedData;  // train/dataset.hpp
class DataView;    // train/dataset.hpp
struct SftSplit;   // train/token_data.hpp

class DataSource {
 public:
  virtual ~DataSource() = default;
  // Checks the files without training (validate, and every rank 0 before a
  // run): throws InputError at the key that names a bad file.
  virtual DataShape inspect(const SweepSpec& spec) const = 0;
  // What inspect found, in a few words: "1000 train / 200 val rows, ...".
  virtual std::string summary(const DataShape& shape) const = 0;
  // Reads the files for training, once per process; `counts` are rank 0's
  // inspection's.
  virtual std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts& counts) const = 0;
};

// The source of data.kind; an unknown kind is an Error (the schema allows
// only the registered ones).
const DataSource& data_source(const std::string& kind);

// A causal_lm's config.json, its errors placed at model.path: what token
// data is checked against.
CausalLmConfig model_config(const SweepSpec& spec);

// The metrics a task reports for two classes but not for this many (val.auc,
// val.precision, val.recall) cannot be ranked by or bounded: InputError at
// sweep.metric or the constraint.
void check_two_class_metrics(const SweepSpec& spec, int classes);

// The sweep's longest model.seq_len: the longest examples it needs.
std::int64_t largest_seq_len(const SweepSpec& spec);

// Rows of token ids and their targets (SFT rows, tokenized JSON lines), as a
// trial sees them at its model.seq_len.
std::unique_ptr<DataView> make_sft_view(const SftSplit& train, const SftSplit& val, std::int64_t seq_len);
// The same with the training rows packed (data.packing, train/packed_rows.hpp):
// `train_lengths` are the rows' lengths before padding.
std::unique_ptr<DataView> make_packed_sft_view(const SftSplit& train, const std::vector<std::int64_t>& train_lengths,
                                               const SftSplit& val, std::int64_t seq_len);

}  // namespace trawl
