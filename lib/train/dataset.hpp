// lib/train: the examples a trial trains and evaluates on.
// - hdf5: tabular data (an HDF5 file's x and y arrays), one example per row.
// - text: one example per window: window w is bytes [w·T, w·T + T + 1) of
//   the file, input the first T bytes and target the last T (T = model.seq_len).
// - tokens: the same windows over llm.c token shards (train/token_data.hpp).
// - sft: one example per row of input_ids, targets the labels shifted by one
//   (-100: not trained on); rows longer than model.seq_len are cut to it.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "spec/sweep_spec.hpp"
#include "train/token_data.hpp"

namespace trawl {

struct Batch {
  torch::Tensor x, y;
};

enum class DataKind { tabular, text, tokens, sft };

// The sweep's data, read (or mapped) once per process and shared by all its trials.
struct LoadedData {
  DataKind kind = DataKind::tabular;
  torch::Tensor train_x, train_y, val_x, val_y;  // tabular; text: train_x, val_x hold the bytes (int64)
  std::vector<TokenShard> train_shards, val_shards;
  SftSplit train_sft, val_sft;
  std::string sft_path;

  bool language_model() const { return kind != DataKind::tabular; }
  void to(torch::Device device);  // tabular, text and sft tensors
};

LoadedData load_data(const SweepSpec& spec);

// One trial's view of the data. Batches may be on the CPU (token shards):
// callers move them to their device.
class DataView {
 public:
  DataView(const LoadedData& data, std::int64_t seq_len);
  std::int64_t train_examples() const { return train_examples_; }
  std::int64_t val_examples() const { return val_examples_; }
  // Tokens per example of a language model (1 for tabular data).
  std::int64_t tokens_per_example() const { return tokens_per_example_; }
  Batch train(const torch::Tensor& examples) const;  // int64 indices
  Batch train(std::int64_t first, std::int64_t last) const;
  Batch val(std::int64_t first, std::int64_t last) const;
  // What a loss sum is divided by: rows, or the trained tokens of these examples.
  std::int64_t train_targets(const torch::Tensor& examples) const;
  std::int64_t train_targets(std::int64_t first, std::int64_t last) const;

 private:
  Batch windows(const torch::Tensor& bytes, const torch::Tensor& starts) const;
  Batch sft_rows(const SftSplit& split, const torch::Tensor& rows) const;
  const LoadedData& data_;
  std::int64_t seq_len_;
  std::int64_t train_examples_ = 0, val_examples_ = 0, tokens_per_example_ = 1;
  std::optional<TokenWindows> train_windows_, val_windows_;
};

}  // namespace trawl
