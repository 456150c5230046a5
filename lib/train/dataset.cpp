#include "train/dataset.hpp"

#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "h5/io.hpp"

namespace trawl {

namespace {

torch::Tensor read_array(hid_t file, const std::string& dataset, bool integers) {
  h5::Dataset d = h5::open_dataset(file, dataset);
  std::vector<std::int64_t> dims;
  for (auto n : h5::shape(d)) dims.push_back(static_cast<std::int64_t>(n));
  torch::Tensor t = torch::empty(dims, integers ? torch::kLong : torch::kFloat);
  if (t.numel() > 0) h5::read_all(d, integers ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT, t.data_ptr());
  return t;
}

torch::Tensor read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read text file " + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  torch::Tensor t = torch::empty({static_cast<std::int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.to(torch::kLong);
}

torch::Tensor range(std::int64_t first, std::int64_t last) { return torch::arange(first, last, torch::kLong); }

}  // namespace

LoadedData load_data(const SweepSpec& spec) {
  LoadedData data;
  const std::string& kind = spec.string("data.kind");
  if (kind == "text") {
    data.kind = DataKind::text;
    data.train_x = read_bytes(spec.resolve_path(spec.string("data.train_file")));
    data.val_x = read_bytes(spec.resolve_path(spec.string("data.val_file")));
    return data;
  }
  if (kind == "tokens") {
    data.kind = DataKind::tokens;
    data.train_shards = open_token_shards(spec.resolve_path(spec.string("data.train_file")), "data.train_file");
    data.val_shards = open_token_shards(spec.resolve_path(spec.string("data.val_file")), "data.val_file");
    return data;
  }
  if (kind == "sft") {
    data.kind = DataKind::sft;
    data.sft_path = spec.resolve_path(spec.string("data.path"));
    data.train_sft = read_sft_split(data.sft_path, "train");
    data.val_sft = read_sft_split(data.sft_path, "val");
    return data;
  }
  h5::File file = h5::open_file(spec.resolve_path(spec.string("data.path")), H5F_ACC_RDONLY);
  const bool classes = spec.string("data.task") == "classification";
  data.train_x = read_array(file.get(), spec.string("data.train_x"), false);
  data.val_x = read_array(file.get(), spec.string("data.val_x"), false);
  data.train_y = read_array(file.get(), spec.string("data.train_y"), classes);
  data.val_y = read_array(file.get(), spec.string("data.val_y"), classes);
  return data;
}

void LoadedData::to(torch::Device device) {
  for (torch::Tensor* t : {&train_x, &train_y, &val_x, &val_y, &train_sft.input_ids, &train_sft.targets,
                           &val_sft.input_ids, &val_sft.targets})
    if (t->defined()) *t = t->to(device);
}

DataView::DataView(const LoadedData& data, std::int64_t seq_len) : data_(data), seq_len_(seq_len) {
  if (data.kind == DataKind::tabular) {
    train_examples_ = data.train_x.size(0);
    val_examples_ = data.val_x.size(0);
    return;
  }
  if (seq_len < 1) throw InputError("model.seq_len must be at least 1", "model.seq_len");
  tokens_per_example_ = seq_len;
  if (data.kind == DataKind::sft) {
    tokens_per_example_ = std::min(seq_len, data.train_sft.input_ids.size(1));
    train_examples_ = data.train_sft.input_ids.size(0);
    val_examples_ = data.val_sft.input_ids.size(0);
    return;
  }
  if (data.kind == DataKind::tokens) {
    train_windows_.emplace(data.train_shards, seq_len);
    val_windows_.emplace(data.val_shards, seq_len);
    train_examples_ = train_windows_->size();
    val_examples_ = val_windows_->size();
  } else {
    train_examples_ = (data.train_x.numel() - 1) / seq_len;
    val_examples_ = (data.val_x.numel() - 1) / seq_len;
  }
  if (train_examples_ < 1 || val_examples_ < 1)
    throw InputError("model.seq_len " + std::to_string(seq_len) + " is longer than the " +
                     (data.kind == DataKind::text ? "text" : "token shards") + " (" +
                     std::to_string(train_examples_) + " train and " + std::to_string(val_examples_) +
                     " val windows of seq_len + 1 tokens)", "model.seq_len");
}

Batch DataView::windows(const torch::Tensor& bytes, const torch::Tensor& starts) const {
  torch::Tensor offsets = torch::arange(seq_len_ + 1, starts.options());
  torch::Tensor tokens = bytes.index({(starts * seq_len_).unsqueeze(1) + offsets});
  return Batch{tokens.narrow(1, 0, seq_len_), tokens.narrow(1, 1, seq_len_)};
}

Batch DataView::sft_rows(const SftSplit& split, const torch::Tensor& rows) const {
  torch::Tensor r = rows.to(split.input_ids.device());
  const std::int64_t length = std::min(tokens_per_example_, split.input_ids.size(1));
  return Batch{split.input_ids.index_select(0, r).narrow(1, 0, length),
               split.targets.index_select(0, r).narrow(1, 0, length)};
}

Batch DataView::train(const torch::Tensor& examples) const {
  switch (data_.kind) {
    case DataKind::text: return windows(data_.train_x, examples.to(data_.train_x.device()));
    case DataKind::tokens: {
      auto [x, y] = train_windows_->read(examples);
      return Batch{x, y};
    }
    case DataKind::sft: return sft_rows(data_.train_sft, examples);
    case DataKind::tabular: break;
  }
  torch::Tensor rows = examples.to(data_.train_x.device());
  return Batch{data_.train_x.index_select(0, rows), data_.train_y.index_select(0, rows)};
}

Batch DataView::train(std::int64_t first, std::int64_t last) const {
  if (data_.kind == DataKind::tabular)
    return Batch{data_.train_x.slice(0, first, last), data_.train_y.slice(0, first, last)};
  return train(range(first, last));
}

Batch DataView::val(std::int64_t first, std::int64_t last) const {
  switch (data_.kind) {
    case DataKind::text: return windows(data_.val_x, range(first, last).to(data_.val_x.device()));
    case DataKind::tokens: {
      auto [x, y] = val_windows_->read(range(first, last));
      return Batch{x, y};
    }
    case DataKind::sft: return sft_rows(data_.val_sft, range(first, last));
    case DataKind::tabular: break;
  }
  return Batch{data_.val_x.slice(0, first, last), data_.val_y.slice(0, first, last)};
}

std::int64_t DataView::train_targets(const torch::Tensor& examples) const {
  if (data_.kind != DataKind::sft) return examples.numel() * tokens_per_example_;
  return sft_rows(data_.train_sft, examples).y.ne(ignored_label).sum().item<std::int64_t>();
}

std::int64_t DataView::train_targets(std::int64_t first, std::int64_t last) const {
  if (data_.kind != DataKind::sft) return (last - first) * tokens_per_example_;
  return train_targets(range(first, last));
}

}  // namespace trawl
