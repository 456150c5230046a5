// lib/train: the model a trial trains, whatever its kind: the built-in MLP or
// GPT, or a user's TorchScript module. The loop, weights files and freezing
// see only this interface.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/train_state.hpp"
#include "grid/trial_settings.hpp"
#include "train/data_check.hpp"
#include "train/dataset.hpp"

namespace trawl {

// The keys and values of the tokens a language model has read, per layer,
// so that reading one more token does not recompute the prefix.
struct KvCache {
  std::vector<torch::Tensor> keys, values;  // per layer: [batch, kv heads, tokens, head dim]
  std::int64_t length = 0;                  // tokens read

  // Layer `layer`'s keys and values with the new ones appended (and kept).
  std::pair<torch::Tensor, torch::Tensor> extend(std::size_t layer, const torch::Tensor& k, const torch::Tensor& v);
};

// The positions of `ids` [batch, tokens], read after the cache's tokens
// (none without one); Error when they would pass model.seq_len.
torch::Tensor token_positions(const torch::Tensor& ids, const KvCache* cache, std::int64_t seq_len,
                              torch::Dtype dtype);

// Where a query may not look: for `fresh` queries after `past` cached
// tokens, true at keys later than the query ([fresh, past + fresh], bool).
torch::Tensor future_positions(std::int64_t fresh, std::int64_t past, torch::Device device);

// Where each query of packed rows may look: keys of its own example (a run
// of `positions` [batch, tokens] from a 0 on) no later than itself; bool
// [batch, 1, tokens, tokens]. A padding position 0 is an example of its own.
torch::Tensor packed_attention_mask(const torch::Tensor& positions);

class Model {
 public:
  virtual ~Model() = default;
  virtual torch::Tensor forward(const torch::Tensor& input) = 0;
  // Rows of token ids padded on the right, each `lengths` (int64 [batch])
  // long: what a sequence classifier reads at each row's last real token.
  // Other models read every position, as forward.
  virtual torch::Tensor forward_padded(const torch::Tensor& ids, const torch::Tensor& lengths);
  // A language model's logits for `ids` [batch, new tokens] read after the
  // cache's tokens, which the cache then holds too (cache.length grows).
  // Other models throw InputError.
  virtual torch::Tensor forward_cached(const torch::Tensor& ids, KvCache& cache);
  // Packed rows (Batch::positions): examples one after another in each row,
  // each at its own positions and seeing only itself, so that each example's
  // logits are those it has alone. Models that cannot throw InputError at
  // data.packing.
  virtual torch::Tensor forward_packed(const torch::Tensor& ids, const torch::Tensor& positions);
  virtual NamedTensors named_parameters() = 0;
  virtual NamedTensors named_buffers() = 0;
  virtual void train(bool on) = 0;
  virtual void to(torch::Device device) = 0;
  // The trial's final weights, as its kind's users read them: by default a
  // torch archive at `path` (train/weights.hpp); a causal_lm writes a PEFT
  // adapter or a Hugging Face model beside it. Returns what it wrote.
  virtual std::string save_final(const std::string& path);
};

// The model's outputs for a batch's inputs on `device` (its rows' lengths
// or its packed rows' positions too, when the data has them).
torch::Tensor forward_batch(Model& model, const Batch& batch, torch::Device device);

class CausalLmBases;

// Where a model is built: its device (the meta device checks shapes and
// names only) and, for causal_lm, the process's loaded base weights.
struct BuildContext {
  torch::Device device{torch::kCPU};
  CausalLmBases* bases = nullptr;  // none: the base is read for this model alone
};

// Built after torch::manual_seed(seed), so a seed fixes the initial weights,
// and returned on the context's device. Built-in models draw their weights
// on the CPU and move there (the same seed gives the same weights on every
// device); the meta device checks shapes only; a causal_lm is built on its
// base weights, which the context's bases hold on its device.
std::unique_ptr<Model> make_model(const TrialSettings& trial, const DataShape& shape, const BuildContext& build = {});
// A TorchScript module (model.kind = "torchscript"); in its own file because
// torch/script.h is slow to compile.
std::unique_ptr<Model> load_script_model(const std::string& path);

}  // namespace trawl
