// data.kind = "text": byte files (data.train_file, data.val_file). Window w
// of a file is bytes [w·T, w·T + T + 1): input the first T bytes, target the
// last T (T = model.seq_len).
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "checkpoint/hf_config.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/model_kinds.hpp"

namespace trawl {

namespace {

// Text data: byte files; the model sees bytes 0..255.
DataShape inspect_text(const SweepSpec& spec) {
  DataShape shape;
  for (const char* key : {"data.train_file", "data.val_file"}) {
    const std::string path = spec.resolve_path(spec.string(key));
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw input_error_at(spec.pos(key), std::string(key) + ": cannot read " + path + ": " + ec.message());
    if (size < 2) throw input_error_at(spec.pos(key), std::string(key) + ": " + path + " has fewer than 2 bytes");
    (std::string(key) == "data.train_file" ? shape.train_rows : shape.val_rows) = static_cast<std::int64_t>(size);
  }
  shape.outputs = 256;
  return shape;
}

torch::Tensor read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read text file " + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  torch::Tensor t = torch::empty({static_cast<std::int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.to(torch::kLong);
}

class TextView : public DataView {
 public:
  TextView(const torch::Tensor& train, const torch::Tensor& val, std::int64_t seq_len)
      : train_(train), val_(val), seq_len_(checked_seq_len(seq_len)) {
    tokens_per_example_ = seq_len;
    train_examples_ = (train.numel() - 1) / seq_len;
    val_examples_ = (val.numel() - 1) / seq_len;
    check_windows(*this, "text", seq_len);
  }
  Batch train(const torch::Tensor& examples) const override {
    return windows(train_, examples.to(train_.device()));
  }
  Batch val(std::int64_t first, std::int64_t last) const override {
    return windows(val_, example_range(first, last).to(val_.device()));
  }

 private:
  Batch windows(const torch::Tensor& bytes, const torch::Tensor& starts) const {
    const torch::Tensor offsets = torch::arange(seq_len_ + 1, starts.options());
    const torch::Tensor tokens = bytes.index({(starts * seq_len_).unsqueeze(1) + offsets});
    return Batch{tokens.narrow(1, 0, seq_len_), tokens.narrow(1, 1, seq_len_)};
  }
  const torch::Tensor &train_, &val_;
  std::int64_t seq_len_;
};

class TextData : public LoadedData {
 public:
  explicit TextData(const SweepSpec& spec)
      : train_(read_bytes(spec.resolve_path(spec.string("data.train_file")))),
        val_(read_bytes(spec.resolve_path(spec.string("data.val_file")))) {}
  void to(torch::Device device) override {
    train_ = train_.to(device);
    val_ = val_.to(device);
  }
  std::unique_ptr<DataView> view(std::int64_t seq_len) const override {
    return std::make_unique<TextView>(train_, val_, seq_len);
  }

 private:
  torch::Tensor train_, val_;
};

class TextSource : public DataSource {
 public:
  DataShape inspect(const SweepSpec& spec) const override {
    const std::int64_t vocab = model_builder(spec.string("model.kind")).vocab_size(spec);
    if (vocab != 0 && vocab < 256)
      throw input_error_at(spec.pos("model.path"),
                           "text data is bytes (ids 0..255) but the model's vocab_size is " + std::to_string(vocab));
    return inspect_text(spec);
  }
  std::string summary(const DataShape& data) const override {
    return std::to_string(data.train_rows) + " train / " + std::to_string(data.val_rows) + " val bytes of text";
  }
  std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts&) const override { return std::make_shared<TextData>(spec); }
};

}  // namespace

const DataSource& text_source() {
  static const TextSource source;
  return source;
}

}  // namespace trawl
