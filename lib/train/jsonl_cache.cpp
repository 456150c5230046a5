#include "train/jsonl_cache.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/durable_file.hpp"
#include "core/process_identity.hpp"
#include "core/error.hpp"
#include "core/file_glob.hpp"
#include "core/hash.hpp"
#include "text/jsonl_file.hpp"
#include "train/labelled_rows.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

constexpr const char* cache_format = "trawl-jsonl-cache-2";

struct Split {
  const char* name;
  const char* key;
  std::vector<std::string> files;
};

std::vector<Split> splits_of(const SweepSpec& spec) {
  std::vector<Split> splits{{"train", "data.train_file", {}}, {"val", "data.val_file", {}}};
  for (Split& split : splits) {
    try {
      split.files = expand_glob(spec.resolve_path(spec.string(split.key)));
    } catch (const InputError& e) {
      throw InputError(std::string(split.key) + ": " + e.problem(), e.where()).at(spec.pos(split.key));
    }
    for (const auto& file : split.files)
      if (!fs::is_regular_file(file))
        throw input_error_at(spec.pos(split.key), std::string(split.key) + ": no such file: " + file);
  }
  return splits;
}

// The rules the lines were checked against (data.task, model.num_labels)
// are part of the name.
std::string cache_name(const std::string& tokenizer, const std::vector<Split>& splits, const SweepSpec& spec) {
  StableHash hash;
  hash.add_field(cache_format);
  hash.add_field(spec.string("data.task"));
  if (spec.integer("model.num_labels") > 0) hash.add_field(std::to_string(spec.integer("model.num_labels")));
  for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
    const fs::path file = fs::path(tokenizer) / name;
    hash.add_field(name);
    hash.add_field(fs::exists(file) ? hash_files(file.string()) : "none");
  }
  // The chat template conversations are rendered with, when it has a file
  // of its own (else it is tokenizer_config.json's, hashed above).
  if (const fs::path chat = fs::path(tokenizer) / "chat_template.jinja"; fs::exists(chat)) {
    hash.add_field("chat_template.jinja");
    hash.add_field(hash_files(chat.string()));
  }
  // The sweep's own template and what is trained (a sweep at the defaults
  // keeps the name it had before these keys).
  if (const std::string own = spec.resolve_path(spec.string("data.chat_template")); !own.empty()) {
    hash.add_field("data.chat_template");
    hash.add_field(fs::exists(own) ? hash_files(own) : "none");
  }
  if (spec.string("data.train_on") != "assistant") hash.add_field("train_on=" + spec.string("data.train_on"));
  // hash_files: the spec hash reads the same files in this process, once.
  for (const Split& split : splits) {
    hash.add_field(split.name);
    for (const auto& file : split.files) hash.add_field(hash_files(file));
  }
  return hash.hex();
}

// A split's rows, written through buffers as they come.
class SplitWriter {
 public:
  SplitWriter(const fs::path& dir, const std::string& split)
      : ids_((dir / (split + ".input_ids")).string()),
        labels_((dir / (split + ".labels")).string()),
        offsets_((dir / (split + ".offsets")).string()),
        row_labels_((dir / (split + ".row_labels")).string()) {
    offset_buffer_.push_back(0);
  }
  void add(const TokenizedExample& e) {
    id_buffer_.insert(id_buffer_.end(), e.input_ids.begin(), e.input_ids.end());
    label_buffer_.insert(label_buffer_.end(), e.labels.begin(), e.labels.end());
    if (e.label) row_label_buffer_.push_back(e.label->value);
    end_ += static_cast<std::int64_t>(e.input_ids.size());
    offset_buffer_.push_back(end_);
    ++rows_;
    if (id_buffer_.size() >= (1u << 20)) flush();
  }
  std::int64_t rows() const { return rows_; }
  void commit() {
    flush();
    ids_.commit();
    labels_.commit();
    offsets_.commit();
    row_labels_.commit();
  }

 private:
  void flush() {
    ids_.write(id_buffer_.data(), id_buffer_.size() * sizeof(std::int32_t));
    labels_.write(label_buffer_.data(), label_buffer_.size() * sizeof(std::int32_t));
    offsets_.write(offset_buffer_.data(), offset_buffer_.size() * sizeof(std::int64_t));
    row_labels_.write(row_label_buffer_.data(), row_label_buffer_.size() * sizeof(double));
    id_buffer_.clear();
    label_buffer_.clear();
    offset_buffer_.clear();
    row_label_buffer_.clear();
  }

  DurableFile ids_, labels_, offsets_, row_labels_;
  std::vector<std::int32_t> id_buffer_, label_buffer_;
  std::vector<std::int64_t> offset_buffer_;
  std::vector<double> row_label_buffer_;
  std::int64_t end_ = 0, rows_ = 0;
};

nlohmann::json summary_json(const JsonlFileSummary& s) {
  return {{"split", s.split},     {"file", s.file},       {"first_row", s.first_row},
          {"examples", s.examples}, {"tokens", s.tokens},   {"trained", s.trained},
          {"longest", s.longest},   {"largest_label", s.largest_label}};
}

// What each line must be: token ids inside the model's vocabulary; labelled
// rows for a classifier, unlabelled ones for a language model; class ids
// that the training labels have (validation is read after training).
class RowRules {
 public:
  RowRules(const SweepSpec& spec, std::int64_t vocab_size)
      : task_(spec.string("data.task")),
        language_model_(!rows_are_labelled(spec)),
        classes_task_(labels_are_classes(spec)),
        vocab_size_(vocab_size),
        num_labels_(spec.integer("model.num_labels")) {}
  void check(const TokenizedExample& e, const std::string& file, std::int64_t line) {
    const auto fail = [&](const std::string& why) {
      throw input_error_at(SourcePos{file, static_cast<int>(line), 1}, why);
    };
    for (std::int32_t id : e.input_ids)
      if (id >= vocab_size_)
        fail("token id " + std::to_string(id) + " is outside the model's vocabulary (vocab_size " +
             std::to_string(vocab_size_) + "): the tokenizer does not match the model");
    if (language_model_ && e.label)
      fail("a {\"text\": ..., \"label\": ...} line is a classifier's row: set data.task = \"classification\" (or "
           "\"regression\") to train on it");
    if (!language_model_ && !e.label)
      fail("data.task = \"" + task_ + "\" reads {\"text\": ..., \"label\": ...} lines; this line has no \"label\"");
    if (!e.label) return;
    const std::string problem = label_problem(e.label->value, e.label->integer, classes_task_, classes_);
    if (!problem.empty()) fail(problem);
    largest_ = std::max(largest_, e.label->value);
  }
  // Training is read: validation labels must be its classes.
  void end_of_training() {
    if (classes_task_) classes_ = std::max(num_labels_, static_cast<std::int64_t>(largest_) + 1);  // label_classes
  }
  double largest() const { return largest_; }

 private:
  std::string task_;
  bool language_model_, classes_task_;
  std::int64_t vocab_size_, num_labels_, classes_ = 0;
  double largest_ = 0;
};

// Tokenizes every file into `dir` (which must not exist).
std::vector<JsonlFileSummary> write_cache(const fs::path& dir, const Tokenizer& tokenizer, const ChatData& chat,
                                          const std::vector<Split>& splits, RowRules rules) {
  fs::create_directories(dir);
  std::vector<JsonlFileSummary> summaries;
  for (const Split& split : splits) {
    SplitWriter writer(dir, split.name);
    for (const std::string& file : split.files) {
      const std::int64_t first_row = writer.rows();
      RowRules file_rules = rules;  // the file's own largest label, with the split's rules
      const JsonlFileStats stats =
          tokenize_jsonl_file(tokenizer, file, 0, [&](const TokenizedExample& e, std::int64_t line) {
            file_rules.check(e, file, line);
            writer.add(e);
          }, &chat);
      summaries.push_back({split.name, file, first_row, stats.examples, stats.tokens, stats.trained, stats.longest,
                           file_rules.largest()});
      if (file_rules.largest() > rules.largest()) rules = file_rules;
    }
    writer.commit();
    rules.end_of_training();
  }
  nlohmann::json files = nlohmann::json::array();
  for (const auto& s : summaries) files.push_back(summary_json(s));
  write_file_durably((dir / "stats.json").string(), nlohmann::json{{"format", cache_format}, {"files", files}}.dump(1));
  return summaries;
}

std::vector<JsonlFileSummary> read_summaries(const fs::path& dir) {
  std::ifstream in(dir / "stats.json");
  const nlohmann::json stats = nlohmann::json::parse(in, nullptr, false);
  if (stats.is_discarded() || stats.value("format", "") != cache_format)
    throw Error("the tokenized data in " + dir.string() + " is damaged: remove the folder and run again");
  std::vector<JsonlFileSummary> out;
  for (const auto& f : stats["files"])
    out.push_back({f["split"], f["file"], f["first_row"], f["examples"], f["tokens"], f["trained"], f["longest"],
                   f["largest_label"]});
  return out;
}

}  // namespace

std::string tokenizer_dir(const SweepSpec& spec) {
  const std::string chosen = spec.string("data.tokenizer");
  return spec.resolve_path(chosen.empty() ? spec.string("model.path") : chosen);
}

JsonlCache ensure_jsonl_cache(const SweepSpec& spec, std::int64_t vocab_size) {
  const std::string tokenizer_key = spec.string("data.tokenizer").empty() ? "model.path" : "data.tokenizer";
  const std::vector<Split> splits = splits_of(spec);
  const std::string tokenizer_path = tokenizer_dir(spec);
  const std::string name = cache_name(tokenizer_path, splits, spec);
  const fs::path dir = fs::path(spec.results_dir()) / "data" / name;
  if (fs::exists(dir / "stats.json")) return JsonlCache{name, dir.string(), read_summaries(dir)};
  auto tokenizer = [&] {
    try {
      return Tokenizer::from_dir(tokenizer_path);
    } catch (const InputError& e) {
      throw e.at(spec.pos(tokenizer_key));
    }
  }();
  // Conversations: rendered with data.chat_template, else the model's own.
  const std::string own_template = spec.resolve_path(spec.string("data.chat_template"));
  const ChatData chat = [&] {
    try {
      return chat_data_of(tokenizer.files(), own_template, spec.string("data.train_on") == "all");
    } catch (const InputError& e) {
      throw e.at(spec.pos(own_template.empty() ? tokenizer_key : "data.chat_template"));
    }
  }();
  // Made beside its final place and renamed there: a crash leaves no half
  // cache, and of two makers at once the second's is dropped.
  const fs::path partial = dir.string() + ".partial-" + this_process_tag();
  fs::remove_all(partial);
  try {
    write_cache(partial, tokenizer, chat, splits, RowRules(spec, vocab_size));
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    throw;
  }
  std::error_code renamed;
  fs::rename(partial, dir, renamed);
  if (renamed) fs::remove_all(partial);  // another rank 0 made it first
  return JsonlCache{name, dir.string(), read_summaries(dir)};
}

JsonlCache open_jsonl_cache(const SweepSpec& spec, const std::string& name) {
  const fs::path dir = fs::path(spec.results_dir()) / "data" / name;
  if (name.empty() || !fs::exists(dir / "stats.json"))
    throw Error("the tokenized data " + dir.string() + " is missing (rank 0 makes it before any rank reads it)");
  return JsonlCache{name, dir.string(), read_summaries(dir)};
}

}  // namespace trawl
