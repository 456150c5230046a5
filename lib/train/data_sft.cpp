// data.kind = "sft": one example per row of an HDF5 file's input_ids, the
// targets its labels shifted by one (-100: not trained on); rows longer than
// model.seq_len are cut to it (train/token_data.hpp). With data.task
// "classification" or "regression" the file holds a sequence classifier's
// rows instead: input_ids, lengths and one label per row
// (train/labelled_rows.hpp).
#include <algorithm>
#include <filesystem>

#include "h5/io.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/labelled_rows.hpp"
#include "train/token_data.hpp"

namespace trawl {

namespace {

class SftView : public DataView {
 public:
  SftView(const SftSplit& train, const SftSplit& val, std::int64_t seq_len) : train_(train), val_(val) {
    tokens_per_example_ = std::min(checked_seq_len(seq_len), train.input_ids.size(1));
    train_examples_ = train.input_ids.size(0);
    val_examples_ = val.input_ids.size(0);
  }
  Batch train(const torch::Tensor& examples) const override { return rows(train_, examples); }
  Batch val(std::int64_t first, std::int64_t last) const override {
    return rows(val_, example_range(first, last));
  }
  // Only the trained tokens count: prompts and padding do not.
  std::int64_t train_targets(const torch::Tensor& examples) const override {
    return rows(train_, examples).y.ne(ignored_label).sum().item<std::int64_t>();
  }
  std::int64_t train_targets(std::int64_t first, std::int64_t last) const override {
    return train_targets(example_range(first, last));
  }

 private:
  Batch rows(const SftSplit& split, const torch::Tensor& examples) const {
    const torch::Tensor r = examples.to(split.input_ids.device());
    const std::int64_t length = std::min(tokens_per_example_, split.input_ids.size(1));
    return Batch{split.input_ids.index_select(0, r).narrow(1, 0, length),
                 split.targets.index_select(0, r).narrow(1, 0, length)};
  }
  const SftSplit &train_, &val_;
};

class SftData : public LoadedData {
 public:
  explicit SftData(const std::string& path) : train_(read_sft_split(path, "train")), val_(read_sft_split(path, "val")) {}
  void to(torch::Device device) override {
    for (torch::Tensor* t : {&train_.input_ids, &train_.targets, &val_.input_ids, &val_.targets}) *t = t->to(device);
  }
  std::unique_ptr<DataView> view(std::int64_t seq_len) const override {
    return make_sft_view(train_, val_, seq_len);
  }

 private:
  SftSplit train_, val_;
};

// Every row readable, every id inside the model's vocabulary.
class SftSource : public DataSource {
 public:
  DataShape inspect(const SweepSpec& spec) const override {
    const CausalLmConfig config = model_config(spec);
    const std::string path = spec.resolve_path(spec.string("data.path"));
    if (!std::filesystem::is_regular_file(path) || H5Fis_hdf5(path.c_str()) <= 0)
      throw input_error_at(spec.pos("data.path"), "data.path: not an HDF5 file: " + path);
    if (rows_are_labelled(spec)) return inspect_labelled(spec, config, path);
    DataShape shape;
    shape.outputs = config.vocab_size;
    for (const char* split : {"train", "val"}) {
      try {
        const SftSplit data = read_sft_split(path, split);
        check_sft_vocabulary(data, path, split, config.vocab_size);
        (std::string(split) == "train" ? shape.train_rows : shape.val_rows) = data.input_ids.size(0);
      } catch (const InputError& e) {
        throw e.at(spec.pos("data.path"));
      }
    }
    return shape;
  }
  std::string summary(const DataShape& data) const override {
    return std::to_string(data.train_rows) + " train / " + std::to_string(data.val_rows) + " val rows of token ids" +
           (data.classes ? ", " + std::to_string(data.classes) + " classes" : "");
  }
  std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts& counts) const override {
    const std::string path = spec.resolve_path(spec.string("data.path"));
    if (!rows_are_labelled(spec)) return std::make_shared<SftData>(path);
    auto split = [&](const char* name) {
      return labelled_rows_for_training(read_labelled_rows_h5(path, name), counts.pad_id, labels_are_classes(spec));
    };
    return std::make_shared<LabelledRowsData>(split("train"), split("val"));
  }

 private:
  // A classifier's rows: validation labels must be among its classes
  // (label_classes), as for JSON lines.
  static DataShape inspect_labelled(const SweepSpec& spec, const CausalLmConfig& config, const std::string& path) {
    DataShape shape;
    const bool classes = labels_are_classes(spec);
    try {
      const RawLabelledRows train = read_labelled_rows_h5(path, "train");
      const double largest = check_labelled_rows(train, path, "train", config.vocab_size, classes, 0);
      set_label_shape(spec, shape, static_cast<std::int64_t>(largest), "data.path");
      const RawLabelledRows val = read_labelled_rows_h5(path, "val");
      check_labelled_rows(val, path, "val", config.vocab_size, classes, shape.classes);
      shape.train_rows = train.rows.input_ids.size(0);
      shape.val_rows = val.rows.input_ids.size(0);
    } catch (const InputError& e) {
      throw e.at(spec.pos("data.path"));
    }
    shape.pad_id = classifier_pad_id(spec);
    return shape;
  }
};

}  // namespace

std::unique_ptr<DataView> make_sft_view(const SftSplit& train, const SftSplit& val, std::int64_t seq_len) {
  return std::make_unique<SftView>(train, val, seq_len);
}

const DataSource& sft_source() {
  static const SftSource source;
  return source;
}

}  // namespace trawl
