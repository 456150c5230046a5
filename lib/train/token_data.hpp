// lib/train: token data for causal language models.
// - llm.c token shards (data.kind = "tokens"): a header of 256 int32
//   (magic 20240520 with uint16 tokens, or 20240801 with uint32 tokens;
//   header[2] the token count), then the tokens. Memory-mapped: windows are
//   read from the mapping, the file is never loaded whole. Window w of a shard
//   is tokens [w·T, w·T + T + 1); windows do not cross shards.
// - SFT rows (data.kind = "sft"): an HDF5 file's train/input_ids,
//   train/labels, val/input_ids, val/labels (int32 [rows, T]); label -100
//   marks a token not trained on (prompt, padding), as in Hugging Face.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.hpp"

namespace trawl {

// Hugging Face's (and torch's) "not a target" label.
constexpr std::int64_t ignored_label = -100;

class TokenShard {
 public:
  explicit TokenShard(const std::string& path);  // throws InputError naming the file
  const std::string& path() const { return file_->path(); }
  std::int64_t tokens() const { return tokens_; }
  // Tokens [first, first + count) as int64.
  torch::Tensor read(std::int64_t first, std::int64_t count) const;
  // Throws InputError naming the file and position of the first token >= vocab.
  void check_vocabulary(std::int64_t vocab) const;

 private:
  std::shared_ptr<MappedFile> file_;
  std::int64_t tokens_ = 0;
  int token_bytes_ = 2;
};

// A data.train_file / data.val_file value: one shard, or a glob of them.
std::vector<TokenShard> open_token_shards(const std::string& pattern, const std::string& key);

// The windows of T + 1 tokens over a list of shards.
class TokenWindows {
 public:
  TokenWindows(const std::vector<TokenShard>& shards, std::int64_t seq_len);
  std::int64_t size() const { return prefix_.back(); }
  // Input [n, T] and target [n, T] (the input shifted by one) of windows `examples`.
  std::pair<torch::Tensor, torch::Tensor> read(const torch::Tensor& examples) const;

 private:
  const std::vector<TokenShard>& shards_;
  std::int64_t seq_len_;
  std::vector<std::int64_t> prefix_;  // windows before shard i
};

struct SftSplit {
  torch::Tensor input_ids, targets;  // int64 [rows, T]; targets are labels shifted left by one
};

// Labels [rows, T] (Hugging Face's, unshifted) as targets: position t
// predicts label t + 1; the last position predicts nothing.
torch::Tensor next_token_targets(const torch::Tensor& labels);

// Reads one split ("train" or "val") of an SFT file; throws InputError
// naming file, dataset, row and column.
SftSplit read_sft_split(const std::string& path, const std::string& split);
// Throws InputError naming the dataset, row and column of the first id
// outside [0, vocab) (labels may also be -100).
void check_sft_vocabulary(const SftSplit& data, const std::string& path, const std::string& split,
                          std::int64_t vocab);

}  // namespace trawl
