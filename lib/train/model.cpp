#include "train/model.hpp"

#include "core/error.hpp"
#include "train/model_kinds.hpp"

namespace trawl {

std::pair<torch::Tensor, torch::Tensor> KvCache::extend(std::size_t layer, const torch::Tensor& k,
                                                        const torch::Tensor& v) {
  if (keys.size() <= layer) {
    keys.resize(layer + 1);
    values.resize(layer + 1);
  }
  keys[layer] = keys[layer].defined() ? torch::cat({keys[layer], k}, 2) : k;
  values[layer] = values[layer].defined() ? torch::cat({values[layer], v}, 2) : v;
  return {keys[layer], values[layer]};
}

torch::Tensor token_positions(const torch::Tensor& ids, const KvCache* cache, std::int64_t seq_len,
                              torch::Dtype dtype) {
  const std::int64_t past = cache ? cache->length : 0, end = past + ids.size(1);
  if (end > seq_len)
    throw Error("a sequence of " + std::to_string(end) + " tokens exceeds model.seq_len " + std::to_string(seq_len));
  return torch::arange(past, end, torch::TensorOptions().dtype(dtype).device(ids.device()));
}

torch::Tensor future_positions(std::int64_t fresh, std::int64_t past, torch::Device device) {
  return torch::ones({fresh, past + fresh}, torch::TensorOptions().dtype(torch::kBool).device(device)).triu(past + 1);
}

torch::Tensor Model::forward_cached(const torch::Tensor&, KvCache&) {
  throw InputError("only a language model (model.kind = \"gpt\" or \"causal_lm\") reads token by token");
}

torch::Tensor packed_attention_mask(const torch::Tensor& positions) {
  const torch::Tensor example = positions.eq(0).cumsum(1);  // which example of its row each token is
  const std::int64_t t = positions.size(1);
  torch::Tensor same = example.unsqueeze(2).eq(example.unsqueeze(1));
  return same.logical_and(future_positions(t, 0, positions.device()).logical_not()).unsqueeze(1);
}

torch::Tensor Model::forward_packed(const torch::Tensor&, const torch::Tensor&) {
  throw InputError("data.packing: only model.kind = \"causal_lm\" reads packed rows", "data.packing");
}

torch::Tensor Model::forward_padded(const torch::Tensor& ids, const torch::Tensor&) { return forward(ids); }

torch::Tensor forward_batch(Model& model, const Batch& batch, torch::Device device) {
  if (batch.positions.defined()) return model.forward_packed(batch.x.to(device), batch.positions.to(device));
  if (!batch.lengths.defined()) return model.forward(batch.x.to(device));
  return model.forward_padded(batch.x.to(device), batch.lengths.to(device));
}

std::unique_ptr<Model> make_model(const TrialSettings& t, const DataShape& shape, const BuildContext& build) {
  std::unique_ptr<Model> model = model_builder(t.model.kind).build(t, shape, build);
  if (!build.device.is_meta()) model->to(build.device);
  return model;
}

}  // namespace trawl
