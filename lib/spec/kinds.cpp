#include "spec/kinds.hpp"

#include <algorithm>

namespace trawl {

namespace {

constexpr unsigned bit(Examples e) { return static_cast<unsigned>(e); }

const std::vector<std::string> language_model{"lm"};
const std::vector<std::string> rows_of_labels{"classification", "regression"};
// Token rows train a language model, or (with a label per row) a classifier.
const std::vector<std::string> any_task{"lm", "classification", "regression"};

}  // namespace

std::string quoted_choice(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  return out;
}

bool DataKind::trains(const std::string& task) const {
  return std::find(tasks.begin(), tasks.end(), task) != tasks.end();
}

const std::vector<DataKind>& data_kinds() {
  static const std::vector<DataKind> kinds{
      {"hdf5", Examples::feature_rows, "holds rows of features", false, "the HDF5 file with the training data",
       rows_of_labels},
      {"text", Examples::bytes, "holds bytes of text", true, nullptr, language_model},
      {"tokens", Examples::token_ids, "holds token ids", true, nullptr, language_model},
      {"sft", Examples::token_ids, "holds token ids", false,
       "the HDF5 file with train/input_ids, train/labels, val/input_ids and val/labels", any_task, true},
      {"jsonl", Examples::token_ids, "holds text for the model's tokenizer", true, nullptr, any_task, false, true},
  };
  return kinds;
}

const std::vector<ModelKind>& model_kinds() {
  static const std::vector<ModelKind> kinds{
      {"mlp", bit(Examples::feature_rows), "reads rows of features", nullptr},
      {"gpt", bit(Examples::bytes), "is a byte-level language model", nullptr},
      {"torchscript", bit(Examples::feature_rows) | bit(Examples::bytes), "reads rows of features or bytes",
       "a module saved with torch.jit.save"},
      // 1024 sequences of a real LLM's logits would not fit anywhere: 8 to a batch.
      {"causal_lm", bit(Examples::bytes) | bit(Examples::token_ids), "is a language model",
       "a Hugging Face model directory (config.json and model.safetensors)", 8},
  };
  return kinds;
}

const DataKind* find_data_kind(const std::string& name) {
  for (const DataKind& kind : data_kinds())
    if (name == kind.name) return &kind;
  return nullptr;
}

const ModelKind* find_model_kind(const std::string& name) {
  for (const ModelKind& kind : model_kinds())
    if (name == kind.name) return &kind;
  return nullptr;
}

std::vector<std::string> data_kind_names() {
  std::vector<std::string> names;
  for (const DataKind& kind : data_kinds()) names.emplace_back(kind.name);
  return names;
}

std::vector<std::string> model_kind_names() {
  std::vector<std::string> names;
  for (const ModelKind& kind : model_kinds()) names.emplace_back(kind.name);
  return names;
}

std::string data_kinds_read_by(const ModelKind& model) {
  std::vector<std::string> names;
  for (const DataKind& kind : data_kinds())
    if (model.reads & bit(kind.examples)) names.emplace_back(kind.name);
  return quoted_choice(names);
}

std::string data_kinds_training(const std::string& task) {
  std::vector<std::string> names;
  for (const DataKind& kind : data_kinds())
    if (kind.trains(task)) names.emplace_back(kind.name);
  return quoted_choice(names);
}

std::string tokenized_data_kinds() {
  std::vector<std::string> names;
  for (const DataKind& kind : data_kinds())
    if (kind.tokenized) names.emplace_back(kind.name);
  return quoted_choice(names);
}

std::vector<const ModelKind*> models_reading(const DataKind& data) {
  std::vector<const ModelKind*> models;
  for (const ModelKind& kind : model_kinds())
    if (kind.reads & bit(data.examples)) models.push_back(&kind);
  return models;
}

std::string model_kinds_reading(const DataKind& data) {
  std::vector<std::string> names;
  for (const ModelKind* kind : models_reading(data)) names.emplace_back(kind->name);
  return quoted_choice(names);
}

}  // namespace trawl
