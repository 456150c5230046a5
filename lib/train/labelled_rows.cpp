#include "train/labelled_rows.hpp"

#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/text.hpp"
#include "text/tokenizer.hpp"
#include "train/data_source.hpp"
#include "train/jsonl_cache.hpp"

namespace trawl {

namespace {

class LabelledRowsView : public DataView {
 public:
  LabelledRowsView(const LabelledRows& train, const LabelledRows& val, std::int64_t seq_len)
      : train_(train), val_(val), seq_len_(checked_seq_len(seq_len)) {
    train_examples_ = train.input_ids.size(0);
    val_examples_ = val.input_ids.size(0);
    train_width_ = std::min(seq_len_, train.lengths.max().item<std::int64_t>());
  }
  // Training batches are all as wide as the longest training row: each rank
  // of a group then draws as many dropout numbers per step as the others, so
  // the CPU generator state the checkpoint keeps (the first rank's) is every
  // rank's, and a resumed trial goes on bit for bit.
  Batch train(const torch::Tensor& examples) const override { return rows(train_, examples, train_width_); }
  // Evaluation draws nothing: each batch is as wide as its longest row.
  Batch val(std::int64_t first, std::int64_t last) const override {
    return rows(val_, example_range(first, last), 0);
  }

 private:
  // Cut to model.seq_len; padding after a row's last token changes nothing a
  // causal model computes there. width 0: the longest of these rows.
  Batch rows(const LabelledRows& split, const torch::Tensor& examples, std::int64_t width) const {
    const torch::Tensor r = examples.to(split.input_ids.device());
    torch::Tensor lengths = split.lengths.index_select(0, r).clamp_max(seq_len_);
    if (width == 0) width = r.numel() ? lengths.max().item<std::int64_t>() : 1;
    return Batch{split.input_ids.index_select(0, r).narrow(1, 0, width), split.labels.index_select(0, r), lengths};
  }
  const LabelledRows &train_, &val_;
  std::int64_t seq_len_, train_width_ = 1;
};

}  // namespace

void LabelledRowsData::to(torch::Device device) {
  for (LabelledRows* split : {&train_, &val_})
    for (torch::Tensor* t : {&split->input_ids, &split->lengths, &split->labels}) *t = t->to(device);
}

std::unique_ptr<DataView> LabelledRowsData::view(std::int64_t seq_len) const {
  return std::make_unique<LabelledRowsView>(train_, val_, seq_len);
}

std::int64_t classifier_pad_id(const SweepSpec& spec) {
  const CausalLmConfig config = model_config(spec);
  if (config.pad_token_id) return *config.pad_token_id;
  std::optional<std::int32_t> pad, eos;
  const std::string dir = tokenizer_dir(spec);
  if (std::filesystem::exists(std::filesystem::path(dir) / "tokenizer.json")) {
    try {
      const Tokenizer tokenizer = Tokenizer::from_dir(dir);
      pad = tokenizer.pad_id();
      eos = tokenizer.eos_id();
    } catch (const InputError& e) {
      throw e.at(spec.pos(spec.string("data.tokenizer").empty() ? "model.path" : "data.tokenizer"));
    }
  }
  if (pad) return *pad;
  if (config.eos_token_id) return *config.eos_token_id;
  if (eos) return *eos;
  throw input_error_at(spec.pos("model.path"),
                       config.file + " names no pad_token_id (nor eos_token_id), and the tokenizer no pad_token: a "
                                     "sequence classifier pads its rows with it; add \"pad_token_id\" to config.json");
}

bool rows_are_labelled(const SweepSpec& spec) { return spec.string("data.task") != "lm"; }

std::int64_t label_classes(const SweepSpec& spec, std::int64_t largest_train_label) {
  return std::max(spec.integer("model.num_labels"), largest_train_label + 1);
}

bool labels_are_classes(const SweepSpec& spec) { return spec.string("data.task") == "classification"; }

std::string label_problem(double value, bool integer, bool classes_task, std::int64_t classes) {
  if (!std::isfinite(value)) return "the label must be a finite number";
  if (!classes_task) return "";
  if (!integer || value < 0)
    return "data.task = \"classification\" needs class ids (integers 0, 1, ...) as labels, not " + format_double(value);
  if (classes > 0 && value >= static_cast<double>(classes))
    return "label " + format_double(value) + " is not a class of this classifier (its classes are 0.." +
           std::to_string(classes - 1) + ": the training labels', or model.num_labels)";
  return "";
}

void set_label_shape(const SweepSpec& spec, DataShape& shape, std::int64_t largest_train_label, const char* train_key) {
  const std::int64_t num_labels = spec.integer("model.num_labels");  // 0: from the data
  if (!labels_are_classes(spec)) {
    if (num_labels > 1)
      throw input_error_at(spec.pos("model.num_labels"),
                           "model.num_labels: data.task = \"regression\" has one output (num_labels 1)");
    shape.outputs = 1;  // Hugging Face's regression: num_labels 1
    return;
  }
  if (num_labels > 0 && largest_train_label >= num_labels)
    throw input_error_at(spec.pos(train_key), std::string(train_key) + ": a training label is " +
                                                  std::to_string(largest_train_label) + ", past model.num_labels = " +
                                                  std::to_string(num_labels) + " (classes 0.." +
                                                  std::to_string(num_labels - 1) + ")");
  shape.classes = static_cast<int>(label_classes(spec, largest_train_label));
  if (shape.classes < 2)
    throw input_error_at(spec.pos(train_key), std::string(train_key) +
                                                  ": every training label is 0; a classifier needs two classes or more");
  shape.outputs = shape.classes;
  check_two_class_metrics(spec, shape.classes);
}

}  // namespace trawl
