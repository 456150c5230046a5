#include "train/causal_lm_head.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

// Next-token logits over the vocabulary: lm_head, or the embedding matrix
// when the config ties them (Hugging Face's tie_word_embeddings).
class LmHead : public CausalLmHead {
 public:
  LmHead(const CausalLmConfig& config, WeightLookup weight)
      : name_(config.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight"), weight_(std::move(weight)) {}
  torch::Tensor forward(const torch::Tensor& hidden) const override { return torch::linear(hidden, weight_(name_)); }

 private:
  std::string name_;
  WeightLookup weight_;
};

using HeadMaker = std::unique_ptr<CausalLmHead> (*)(const CausalLmConfig&, WeightLookup);

struct HeadRow {
  const char* task;
  HeadMaker make;
};

const std::vector<HeadRow>& heads() {
  static const std::vector<HeadRow> rows{
      {"lm", [](const CausalLmConfig& c, WeightLookup w) -> std::unique_ptr<CausalLmHead> {
         return std::make_unique<LmHead>(c, std::move(w));
       }},
  };
  return rows;
}

}  // namespace

std::vector<std::string> causal_lm_head_tasks() {
  std::vector<std::string> tasks;
  for (const HeadRow& row : heads()) tasks.emplace_back(row.task);
  return tasks;
}

std::unique_ptr<CausalLmHead> make_causal_lm_head(const std::string& task, const CausalLmConfig& config,
                                                  WeightLookup weight) {
  for (const HeadRow& row : heads())
    if (task == row.task) return row.make(config, std::move(weight));
  throw InputError("a causal_lm has no head for data.task = \"" + task + "\" (it has: " +
                       join(causal_lm_head_tasks(), ", ") + ")",
                   "data.task");
}

}  // namespace trawl
