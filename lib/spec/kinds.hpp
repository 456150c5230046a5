// lib/spec: the data kinds and model kinds a sweep file may name, and which
// go together: one row per kind. A data kind's files are read by its
// DataSource (lib/train/data_source.hpp); a model kind is built by
// lib/train/model.cpp. The parser checks a sweep against these rows only.
#pragma once

#include <string>
#include <vector>

namespace trawl {

// What one example of a data kind holds, so what a model must read.
enum class Examples : unsigned { feature_rows = 1, bytes = 2, token_ids = 4 };

struct DataKind {
  const char* name;
  Examples examples;
  const char* holds;  // "holds token ids": said when no model of the sweep reads them
  // The keys that name its files: data.train_file and data.val_file, or
  // data.path (what it must hold, for the error that says it is missing).
  bool split_files;
  const char* path_holds;
  // The data.task values its files can hold, the first the default.
  std::vector<std::string> tasks;
  // Rows whose labelled tokens are an answer that generation can be scored
  // against (infer.max_new_tokens).
  bool labelled_answers = false;
  // Text that the model's tokenizer reads: data.tokenizer, data.chat_template,
  // data.train_on and data.packing apply.
  bool tokenized = false;

  const std::string& default_task() const { return tasks.front(); }
  bool trains(const std::string& task) const;
};

struct ModelKind {
  const char* name;
  unsigned reads;        // Examples bits
  const char* is;        // "is a byte-level language model"
  const char* path_is;   // what model.path must be; nullptr: not needed
  // train.eval_batch_size when the sweep does not set it; 0: the schema's.
  int eval_batch_size = 0;
};

const std::vector<DataKind>& data_kinds();
const std::vector<ModelKind>& model_kinds();
// nullptr for a name not in the table.
const DataKind* find_data_kind(const std::string& name);
const ModelKind* find_model_kind(const std::string& name);
std::vector<std::string> data_kind_names();
std::vector<std::string> model_kind_names();
// The data kinds whose examples a model reads, as a sweep file spells them:
// "\"tokens\", \"sft\" or \"text\"".
std::string data_kinds_read_by(const ModelKind& model);
// The data kinds that train data.task `task`, likewise.
std::string data_kinds_training(const std::string& task);
// The data kinds whose text the model's tokenizer reads, likewise.
std::string tokenized_data_kinds();
// "\"a\", \"b\" or \"c\""
std::string quoted_choice(const std::vector<std::string>& names);
// The model kinds that read a data kind's examples, and the same as a sweep
// file spells them.
std::vector<const ModelKind*> models_reading(const DataKind& data);
std::string model_kinds_reading(const DataKind& data);

}  // namespace trawl
