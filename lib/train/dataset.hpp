// lib/train: the examples a trial trains and evaluates on, whatever
// data.kind holds them. Each kind (train/data_source.hpp) reads its files
// once per process into a LoadedData, shared by all the trials, and gives
// each trial a DataView of examples at its model.seq_len.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "spec/sweep_spec.hpp"

namespace trawl {

struct Batch {
  torch::Tensor x, y;
  // Rows of token ids padded on the right: each row's length (int64
  // [batch]); undefined when every row is whole.
  torch::Tensor lengths = {};
  // Packed rows (data.packing): each token's position in its own example
  // (int64, as x), 0 where an example starts; undefined when a row is one
  // example. No example's tokens see another's (train/model.hpp).
  torch::Tensor positions = {};
};

// int64 [first, last): example indices.
torch::Tensor example_range(std::int64_t first, std::int64_t last);

// A language model's model.seq_len, at least 1 (InputError at model.seq_len).
std::int64_t checked_seq_len(std::int64_t seq_len);

// One trial's view of the data. Batches may be on the CPU (token shards):
// callers move them to their device.
class DataView {
 public:
  virtual ~DataView() = default;
  std::int64_t train_examples() const { return train_examples_; }
  std::int64_t val_examples() const { return val_examples_; }
  // Tokens per example of a language model (1 for tabular data).
  std::int64_t tokens_per_example() const { return tokens_per_example_; }
  // Those of a validation example (which packing leaves one to a row).
  virtual std::int64_t val_tokens_per_example() const { return tokens_per_example_; }
  virtual Batch train(const torch::Tensor& examples) const = 0;  // int64 indices
  virtual Batch train(std::int64_t first, std::int64_t last) const { return train(example_range(first, last)); }
  virtual Batch val(std::int64_t first, std::int64_t last) const = 0;
  // What a loss sum is divided by: rows, or the trained tokens of these examples.
  virtual std::int64_t train_targets(const torch::Tensor& examples) const {
    return examples.numel() * tokens_per_example_;
  }
  virtual std::int64_t train_targets(std::int64_t first, std::int64_t last) const {
    return (last - first) * tokens_per_example_;
  }

 protected:
  std::int64_t train_examples_ = 0, val_examples_ = 0, tokens_per_example_ = 1;
};

// Throws InputError at model.seq_len when `view` holds no train or no val
// window of seq_len + 1 tokens of `what` ("text", "token shards").
void check_windows(const DataView& view, const char* what, std::int64_t seq_len);

// A sweep's data, read (or mapped) once per process and shared by its trials.
class LoadedData {
 public:
  virtual ~LoadedData() = default;
  // Moves what is held in memory to the trials' device (mapped shards stay).
  virtual void to(torch::Device) {}
  // Throws InputError (at model.seq_len) when the data has no example of seq_len.
  virtual std::unique_ptr<DataView> view(std::int64_t seq_len) const = 0;
};

struct DataCounts;  // train/data_check.hpp

// data.kind's source loads it, as rank 0's inspection found it.
std::shared_ptr<LoadedData> load_data(const SweepSpec& spec, const DataCounts& counts);

}  // namespace trawl
