// lib/train: rows of token ids with one label each, a sequence classifier's
// examples (data.task "classification" or "regression" on data.kind "jsonl"
// or "sft"). Rows are padded on the right with the model's pad id and keep
// their lengths: the classifier reads each row at its last real token.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spec/sweep_spec.hpp"
#include "train/data_check.hpp"
#include "train/dataset.hpp"

namespace trawl {

struct LabelledRows {
  torch::Tensor input_ids;  // int64 [rows, width], padded on the right
  torch::Tensor lengths;    // int64 [rows], 1..width
  torch::Tensor labels;     // int64 class ids, or float32 targets [rows]
};

// Whether data.task gives each row one label (a sequence classifier's data)
// rather than next-token targets (data.task "lm").
bool rows_are_labelled(const SweepSpec& spec);

// One split of HDF5 rows as the file holds them: labels as float64, and
// whether the file stores them as integers (class ids must be).
struct RawLabelledRows {
  LabelledRows rows;
  bool integer_labels = false;
};

// Reads <split>/input_ids (integers [rows, T]), <split>/lengths (integers
// [rows]) and <split>/labels (numbers [rows]) of an HDF5 file; throws
// InputError naming the file and dataset.
RawLabelledRows read_labelled_rows_h5(const std::string& path, const std::string& split);
// The largest label; throws InputError naming the file, dataset and row of
// the first length outside 1..T, id outside [0, vocab) before a row's length,
// or label label_problem refuses.
double check_labelled_rows(const RawLabelledRows& raw, const std::string& path, const std::string& split,
                           std::int64_t vocab, bool classes_task, std::int64_t classes);
// Rows ready to train on, from HDF5 or the JSON-lines cache alike: pad_id
// after each row's length, labels int64 class ids or float32 targets.
LabelledRows labelled_rows_for_training(RawLabelledRows raw, std::int64_t pad_id, bool classes_task);

// Both splits, held once per process; each trial's view cuts rows to its
// model.seq_len, and each batch is as wide as its longest row.
class LabelledRowsData : public LoadedData {
 public:
  LabelledRowsData(LabelledRows train, LabelledRows val) : train_(std::move(train)), val_(std::move(val)) {}
  void to(torch::Device device) override;
  std::unique_ptr<DataView> view(std::int64_t seq_len) const override;

 private:
  LabelledRows train_, val_;
};

// What pads a sequence classifier's rows (and its export's pad_token_id):
// config.json's pad_token_id, else the tokenizer's pad_token, else its EOS
// (as fine-tuning recipes set pad = eos for Llama checkpoints); InputError at
// model.path when none is named.
std::int64_t classifier_pad_id(const SweepSpec& spec);

// Whether data.task's labels are class ids (classification) or targets.
bool labels_are_classes(const SweepSpec& spec);

// The classes of a classifier: model.num_labels, or when it is 0 (or
// smaller) the training labels' (the largest + 1). Validation labels must be
// among them.
std::int64_t label_classes(const SweepSpec& spec, std::int64_t largest_train_label);

// What is wrong with `value` as a row's label for data.task ("" when
// nothing): a class id is an integer >= 0 and, in validation, one of the
// `classes` (label_classes; 0: not known yet).
std::string label_problem(double value, bool integer, bool classes_task, std::int64_t classes);

// The shape of a classifier's data once its labels are read: outputs,
// classes (at least two, InputError at `train_key` when not), and the
// sweep's two-class metrics checked against them.
void set_label_shape(const SweepSpec& spec, DataShape& shape, std::int64_t largest_train_label, const char* train_key);

}  // namespace trawl
