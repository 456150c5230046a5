// The [data] and [model] checks of the sweep parser: which kinds go together
// (spec/kinds.cpp's rows) and what each needs.
#include <toml++/toml.h>

#include "spec/kinds.hpp"
#include "spec/toml_parser.hpp"

namespace trawl {

// Which data kinds, tasks and model kinds go together, and what each needs:
// spec/kinds.cpp's rows say.
void SweepParser::check_data_and_model() {
  auto& s = spec_.settings;
  const DataKind& data = *find_data_kind(spec_.string("data.kind"));
  const std::string kind = "data.kind = \"" + std::string(data.name) + "\"";
  if (!s.count("data.task")) s["data.task"] = Setting{Value(data.default_task()), {}};
  const std::string& task = spec_.string("data.task");
  if (!data.trains(task)) {
    if (data.tasks.size() == 1 && task != "lm" && data.default_task() == "lm")
      fail(spec_.pos("data.task"), kind + " trains a language model: data.task must be \"lm\"");
    fail(spec_.pos("data.task"), "data.task = \"" + task + "\" needs data.kind = " + data_kinds_training(task));
  }
  if (data.split_files) {
    for (const char* key : {"data.train_file", "data.val_file"})
      if (!s.count(key)) fail(file_start(), std::string(key) + " is required for " + kind);
  } else if (!s.count("data.path")) {
    fail(file_start(), std::string("data.path is required: ") + data.path_holds);
  }
  for (const char* key : {"data.path", "data.train_file", "data.val_file"})
    if (!s.count(key)) s[key] = Setting{Value(std::string()), {}};
  const ModelKind& model = *find_model_kind(spec_.string("model.kind"));
  const std::string model_is = "model.kind = \"" + std::string(model.name) + "\"";
  if (!(model.reads & static_cast<unsigned>(data.examples))) {
    // Data that one model kind alone reads says so; otherwise the model says what it needs.
    if (models_reading(data).size() == 1)
      fail(spec_.pos("data.kind"), kind + " " + data.holds + ": it needs model.kind = " + model_kinds_reading(data));
    fail(spec_.pos("model.kind"), model_is + " " + model.is + ": it needs data.kind = " + data_kinds_read_by(model));
  }
  if (model.path_is && spec_.string("model.path").empty())
    fail(spec_.pos("model.kind"), model_is + " needs model.path: " + model.path_is);
  if (model.eval_batch_size && !spec_.pos("train.eval_batch_size").known())
    s["train.eval_batch_size"] = Setting{Value(std::int64_t{model.eval_batch_size}), SourcePos{spec_.path, 0, 0}};
}

// The keys of text tokenized by the model's tokenizer apply to the data kinds
// that hold such text; packing joins a language model's examples (a
// classifier reads one label per row).
void SweepParser::check_tokenized_data() const {
  const DataKind& data = *find_data_kind(spec_.string("data.kind"));
  for (const char* key : {"data.tokenizer", "data.chat_template", "data.train_on", "data.packing"})
    if (!data.tokenized && spec_.pos(key).known())
      fail(spec_.pos(key), std::string(key) + " applies to text the model's tokenizer reads: it needs data.kind = " +
                               tokenized_data_kinds() + ", not \"" + data.name + "\"");
  if (spec_.boolean("data.packing") && spec_.string("data.task") != "lm")
    fail(spec_.pos("data.packing"), "data.packing packs a language model's examples; data.task = \"" +
                                        spec_.string("data.task") + "\" reads one labelled row at a time");
}

}  // namespace trawl
