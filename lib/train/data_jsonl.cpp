// data.kind = "jsonl": JSON lines (text/jsonl_examples.hpp gives the formats
// and rules) tokenized by the model's tokenizer into the sweep's cache
// (train/jsonl_cache.hpp), then trained as SFT rows are: each row cut to
// model.seq_len, the untrained tokens (prompt, padding) labelled -100. With
// data.task "classification" or "regression", {"text", "label"} lines are a
// sequence classifier's labelled rows (train/labelled_rows.hpp).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/mapped_file.hpp"
#include "core/text.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/jsonl_cache.hpp"
#include "train/labelled_rows.hpp"
#include "train/packed_rows.hpp"
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
  std::vector<std::int64_t> lengths() const {
    std::vector<std::int64_t> out;
    for (std::int64_t r = 0; r < rows(); ++r) out.push_back(length(r));
    return out;
  }
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

// The rows as wide as the longest (at most `seq_len`), with their lengths
// and labels, padded and typed for training as HDF5 rows are.
LabelledRows labelled_rows(const MappedSplit& split, const std::string& dir, const std::string& name,
                           std::int64_t seq_len, std::int64_t pad_id, bool classes) {
  const std::int64_t rows = split.rows();
  std::int64_t width = 1;
  for (std::int64_t r = 0; r < rows; ++r) width = std::max(width, std::min(split.length(r), seq_len));
  torch::Tensor ids = torch::full({rows, width}, pad_id, torch::kLong);  // an empty text keeps one pad
  torch::Tensor lengths = torch::empty({rows}, torch::kLong);
  const auto* all_ids = reinterpret_cast<const std::int32_t*>(split.ids.data());
  auto id_rows = ids.accessor<std::int64_t, 2>();
  auto length_of = lengths.accessor<std::int64_t, 1>();
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t first = split.offset(r), n = std::min(split.length(r), width);
    for (std::int64_t t = 0; t < n; ++t) id_rows[r][t] = all_ids[first + t];
    length_of[r] = std::max<std::int64_t>(n, 1);  // an empty text: the pad token stands for it
  }
  const MappedFile labels(dir + "/" + name + ".row_labels", "tokenized data");
  torch::Tensor values = torch::from_blob(const_cast<std::uint8_t*>(labels.data()), {rows}, torch::kDouble).clone();
  return labelled_rows_for_training(RawLabelledRows{LabelledRows{ids, lengths, values}, classes}, pad_id, classes);
}

class JsonlData : public LoadedData {
 public:
  JsonlData(const JsonlCache& cache, std::int64_t seq_len, bool packing) : packing_(packing) {
    std::int64_t longest = 1;
    for (const auto& file : cache.files) longest = std::max(longest, file.longest);
    const std::int64_t width = std::min(longest, seq_len);
    const MappedSplit train(cache.dir, "train");
    train_ = padded_rows(train, width);
    val_ = padded_rows(MappedSplit(cache.dir, "val"), width);
    if (packing_) train_lengths_ = train.lengths();
  }
  void to(torch::Device device) override {
    for (torch::Tensor* t : {&train_.input_ids, &train_.targets, &val_.input_ids, &val_.targets}) *t = t->to(device);
  }
  std::unique_ptr<DataView> view(std::int64_t seq_len) const override {
    return packing_ ? make_packed_sft_view(train_, train_lengths_, val_, seq_len) : make_sft_view(train_, val_, seq_len);
  }

 private:
  bool packing_;
  SftSplit train_, val_;
  std::vector<std::int64_t> train_lengths_;  // before padding, for packing
};

// "padding: 61.0% of the training rows' tokens one example to a row, 2.5%
// packed (412 rows of 1000 examples)"
std::string padding_line(const MappedSplit& train, std::int64_t seq_len, bool packing) {
  const PaddingShare share = padding_share(train.lengths(), seq_len);
  char line[200];
  std::snprintf(line, sizeof line, "padding: %.1f%% of the training rows' tokens one example to a row, %.1f%% "
                "packed (%lld rows of %lld examples)%s", 100 * share.unpacked(), 100 * share.packed(),
                static_cast<long long>(share.packed_rows), static_cast<long long>(share.rows),
                packing ? ": data.packing is on" : "; set data.packing = true to pack");
  return line;
}

// "data/train.jsonl (train): 1000 examples, 52311 tokens (40000 trained), 3 cut to 512, longest 800"
// (a classifier's rows: "..., 52311 tokens, largest label 1, ...")
std::string file_line(const JsonlFileSummary& f, std::int64_t cut, std::int64_t seq_len, bool labelled) {
  const std::string what = labelled ? ", largest label " + format_double(f.largest_label)
                                    : " (" + std::to_string(f.trained) + " trained)";
  return f.file + " (" + f.split + "): " + std::to_string(f.examples) + " examples, " + std::to_string(f.tokens) +
         " tokens" + what + ", " + std::to_string(cut) + " cut to model.seq_len " + std::to_string(seq_len) +
         ", longest " + std::to_string(f.longest);
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
        shape.details.push_back(file_line(f, cut, shape.seq_len, rows_are_labelled(spec)));
        (f.split == "train" ? shape.train_rows : shape.val_rows) += f.examples;
        if (f.split == "train") trained_train += f.trained;
      }
    }
    if (!rows_are_labelled(spec))
      shape.details.push_back(padding_line(MappedSplit(cache.dir, "train"), shape.seq_len, spec.boolean("data.packing")));
    if (rows_are_labelled(spec)) {
      double largest = 0;
      for (const auto& f : cache.files)
        if (f.split == "train") largest = std::max(largest, f.largest_label);
      set_label_shape(spec, shape, static_cast<std::int64_t>(largest), "data.train_file");
      shape.pad_id = classifier_pad_id(spec);
    } else if (trained_train == 0) {
      throw input_error_at(spec.pos("data.train_file"), "data.train_file: no token is trained (every row is prompt)");
    }
    return shape;
  }
  std::string summary(const DataShape& data) const override {
    return std::to_string(data.train_rows) + " train / " + std::to_string(data.val_rows) +
           " val examples of JSON lines, tokenized in data/" + std::string(data.data_cache);
  }
  std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts& counts) const override {
    const JsonlCache cache = open_jsonl_cache(spec, counts.data_cache);
    if (!rows_are_labelled(spec))
      return std::make_shared<JsonlData>(cache, largest_seq_len(spec), spec.boolean("data.packing"));
    auto split = [&](const char* name) {
      return labelled_rows(MappedSplit(cache.dir, name), cache.dir, name, largest_seq_len(spec), counts.pad_id,
                           labels_are_classes(spec));
    };
    return std::make_shared<LabelledRowsData>(split("train"), split("val"));
  }
};

}  // namespace

const DataSource& jsonl_source() {
  static const JsonlSource source;
  return source;
}

}  // namespace trawl
