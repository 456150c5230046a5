#include "train/causal_lm_head.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

// Next-token logits over the vocabulary: lm_head, or the embedding matrix
// when the config ties them (Hugging Face's tie_word_embeddings).
class LmHead : public CausalLmHead {
 public:
  explicit LmHead(const HeadInputs& in)
      : name_(in.config.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight"), weight_(in.weight) {
    if (in.config.sequence_classifier)
      throw InputError(in.config.file + ": architectures names a sequence classifier, which has no lm_head: it "
                       "trains data.task = \"classification\" or \"regression\", not \"lm\"", "model.path");
  }
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor&) const override {
    return torch::linear(hidden, weight_(name_));
  }

 private:
  std::string name_;
  WeightLookup weight_;
};

// Hugging Face's *ForSequenceClassification: `score`, a bias-free Linear
// [num_labels, hidden], on each row's last real token. Its position comes
// from the row's length, not from searching for pad tokens, so a pad id that
// also occurs in the text cannot move it. A checkpoint's score.weight is the
// start; else normal(0, initializer_range), as transformers' _init_weights.
class SequenceClassifierHead : public CausalLmHead {
 public:
  SequenceClassifierHead(const HeadInputs& in, bool regression) : regression_(regression) {
    const CausalLmConfig& c = in.config;
    torch::NoGradGuard no_grad;
    if (c.sequence_classifier) {
      if (c.num_labels != in.num_labels)
        throw InputError(c.file + ": the checkpoint's score head has " + std::to_string(c.num_labels) +
                         " labels (num_labels) but this classifier has " + std::to_string(in.num_labels) +
                         " classes (the training labels', or model.num_labels)",
                         "model.path");
      score_ = in.base.at("score.weight").to(torch::kFloat, false, true);
    } else {
      score_ = torch::empty({in.num_labels, c.hidden_size}, torch::TensorOptions().dtype(torch::kFloat).device(
                                                                in.device.is_meta() ? in.device : torch::kCPU));
      if (!in.device.is_meta()) score_.normal_(0, c.initializer_range);  // drawn on the CPU: the same on every device
      score_ = score_.to(in.device);
    }
  }
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& lengths) const override {
    if (!lengths.defined()) return torch::linear(hidden.select(1, -1), score_);
    const torch::Tensor at = lengths.to(hidden.device(), torch::kLong);
    return torch::linear(hidden.index({torch::arange(hidden.size(0), at.options()), at - 1}), score_);
  }
  NamedTensors own_parameters() const override { return {{"score.weight", score_}}; }
  bool replaces(const std::string& name) const override { return name == "lm_head.weight" || name == "score.weight"; }
  std::int64_t num_labels() const override { return score_.size(0); }
  bool regression() const override { return regression_; }

 private:
  torch::Tensor score_;
  bool regression_;
};

using HeadMaker = std::unique_ptr<CausalLmHead> (*)(const HeadInputs&);

struct HeadRow {
  const char* task;
  HeadMaker make;
};

const std::vector<HeadRow>& heads() {
  static const std::vector<HeadRow> rows{
      {"lm", [](const HeadInputs& in) -> std::unique_ptr<CausalLmHead> { return std::make_unique<LmHead>(in); }},
      {"classification",
       [](const HeadInputs& in) -> std::unique_ptr<CausalLmHead> {
         return std::make_unique<SequenceClassifierHead>(in, false);
       }},
      // Hugging Face's regression: num_labels 1, MSE on the one output.
      {"regression",
       [](const HeadInputs& in) -> std::unique_ptr<CausalLmHead> {
         return std::make_unique<SequenceClassifierHead>(in, true);
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

std::unique_ptr<CausalLmHead> make_causal_lm_head(const std::string& task, const HeadInputs& inputs) {
  for (const HeadRow& row : heads())
    if (task == row.task) return row.make(inputs);
  throw InputError("a causal_lm has no head for data.task = \"" + task + "\" (it has: " +
                       join(causal_lm_head_tasks(), ", ") + ")",
                   "data.task");
}

}  // namespace trawl
