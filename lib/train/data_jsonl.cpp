// data.kind = "jsonl": JSON lines (text/jsonl_examples.hpp gives the formats
// and rules) tokenized by the model's tokenizer into the sweep's cache
// (train/jsonl_cache.hpp), then trained as SFT rows are: each row cut to
// model.seq_len, the untrained tokens (prompt, padding) labelled -100.
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/mapped_file.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/jsonl_cache.hpp"
#include "train/token_data.hpp"

namespace trawl {

namespace {

// One split of the cache, mapped: rows of int32 ids and labels.
struct MappedSplit {
  MappedFile ids, labels, offsets;
  MappedSplit(const std::string& dir, const std::string& split)
      : ids(dir + "/" + split + ".input_ids", "tokenized data"),
        labels(dir + "/" + split + ".labels", "tokenized data"),
        offsets(dir + "/" + split + ".offsets", "tokenized data") {}
  std::int64_t rows() const { return static_cast<std::int64_t>(offsets.size() / sizeof(std::int64_t)) - 1; }
  std::int64_t offset(std::int64_t row) const {
    std::int64_t value;
    std::memcpy(&value, offsets.data() + row * sizeof(std::int64_t), sizeof value);
    return value;
  }
  std::int64_t length(std::int64_t row) const { return offset(row + 1) - offset(row); }
};

// The rows padded to `width` (the longest row, at most the sweep's longest
// model.seq_len), with their next-token targets.
SftSplit padded_rows(const MappedSplit& split, std::int64_t width) {
  const std::int64_t rows = split.rows();
  torch::Tensor ids = torch::zeros({rows, width}, torch::kLong);
  torch::Tensor labels = torch::full({rows, width}, ignored_label, torch::kLong);
  const auto* all_ids = reinterpret_cast<const std::int32_t*>(split.ids.data());
  const auto* all_labels = reinterpret_cast<const std::int32_t*>(split.labels.data());
  auto id_rows = ids.accessor<std::int64_t, 2>();
  auto label_rows = labels.accessor<std::int64_t, 2>();
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t first = split.offset(r), n = std::min(split.length(r), width);
    for (std::int64_t t = 0; t < n; ++t) {
      id_rows[r][t] = all_ids[first + t];
      label_rows[r][t] = all_labels[first + t];
    }
  }
  return SftSplit{ids, next_token_targets(labels)};
}

class JsonlData : public LoadedData {
 public:
  JsonlData(const JsonlCache& cache, std::int64_t seq_len) {
    std::int64_t longest = 1;
    for (const auto& file : cache.files) longest = std::max(longest, file.longest);
    const std::int64_t width = std::min(longest, seq_len);
    train_ = padded_rows(MappedSplit(cache.dir, "train"), width);
    val_ = padded_rows(MappedSplit(cache.dir, "val"), width);
  }
  void to(torch::Device device) override {
    for (torch::Tensor* t : {&train_.input_ids, &train_.targets, &val_.input_ids, &val_.targets}) *t = t->to(device);
  }
  std::unique_ptr<DataView> view(std::int64_t seq_len) const override { return make_sft_view(train_, val_, seq_len); }

 private:
  SftSplit train_, val_;
};

// "data/train.jsonl (train): 1000 examples, 52311 tokens (40000 trained), 3 cut to 512, longest 800"
std::string file_line(const JsonlFileSummary& f, std::int64_t cut, std::int64_t seq_len) {
  return f.file + " (" + f.split + "): " + std::to_string(f.examples) + " examples, " + std::to_string(f.tokens) +
         " tokens (" + std::to_string(f.trained) + " trained), " + std::to_string(cut) + " cut to model.seq_len " +
         std::to_string(seq_len) + ", longest " + std::to_string(f.longest);
}

class JsonlSource : public DataSource {
 public:
  DataShape inspect(const SweepSpec& spec) const override {
    const CausalLmConfig config = model_config(spec);
    const JsonlCache cache = ensure_jsonl_cache(spec, config.vocab_size);
    DataShape shape;
    shape.outputs = config.vocab_size;
    shape.seq_len = largest_seq_len(spec);
    std::strncpy(shape.data_cache, cache.name.c_str(), sizeof shape.data_cache - 1);
    std::int64_t trained_train = 0;
    for (const char* split : {"train", "val"}) {
      const MappedSplit mapped(cache.dir, split);
      for (const auto& f : cache.files) {
        if (f.split != split) continue;
        std::int64_t cut = 0;
        for (std::int64_t r = f.first_row; r < f.first_row + f.examples; ++r) cut += mapped.length(r) > shape.seq_len;
        shape.details.push_back(file_line(f, cut, shape.seq_len));
        (f.split == "train" ? shape.train_rows : shape.val_rows) += f.examples;
        if (f.split == "train") trained_train += f.trained;
      }
    }
    if (trained_train == 0)
      throw input_error_at(spec.pos("data.train_file"), "data.train_file: no token is trained (every row is prompt)");
    return shape;
  }
  std::string summary(const DataShape& data) const override {
    return std::to_string(data.train_rows) + " train / " + std::to_string(data.val_rows) +
           " val examples of JSON lines, tokenized in data/" + std::string(data.data_cache);
  }
  std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts& counts) const override {
    return std::make_shared<JsonlData>(open_jsonl_cache(spec, counts.data_cache), largest_seq_len(spec));
  }
};

}  // namespace

const DataSource& jsonl_source() {
  static const JsonlSource source;
  return source;
}

}  // namespace trawl
