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

}  // namespace

LoadedData load_data(const SweepSpec& spec) {
  LoadedData data;
  if (spec.string("data.kind") == "text") {
    data.text = true;
    data.train_x = read_bytes(spec.resolve_path(spec.string("data.train_file")));
    data.val_x = read_bytes(spec.resolve_path(spec.string("data.val_file")));
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

DataView::DataView(const LoadedData& data, std::int64_t seq_len) : data_(data), seq_len_(seq_len) {
  if (!data.text) {
    train_examples_ = data.train_x.size(0);
    val_examples_ = data.val_x.size(0);
    return;
  }
  if (seq_len < 1) throw InputError("model.seq_len must be at least 1");
  train_examples_ = (data.train_x.numel() - 1) / seq_len;
  val_examples_ = (data.val_x.numel() - 1) / seq_len;
  if (train_examples_ < 1 || val_examples_ < 1)
    throw InputError("model.seq_len " + std::to_string(seq_len) + " is longer than the text (" +
                     std::to_string(data.train_x.numel()) + " train bytes, " + std::to_string(data.val_x.numel()) +
                     " val bytes)");
}

Batch DataView::windows(const torch::Tensor& bytes, const torch::Tensor& starts) const {
  torch::Tensor offsets = torch::arange(seq_len_ + 1, starts.options());
  torch::Tensor tokens = bytes.index({(starts * seq_len_).unsqueeze(1) + offsets});
  return Batch{tokens.narrow(1, 0, seq_len_), tokens.narrow(1, 1, seq_len_)};
}

Batch DataView::train(const torch::Tensor& examples) const {
  if (data_.text) return windows(data_.train_x, examples);
  return Batch{data_.train_x.index_select(0, examples), data_.train_y.index_select(0, examples)};
}

Batch DataView::train(std::int64_t first, std::int64_t last) const {
  if (data_.text) return windows(data_.train_x, torch::arange(first, last, data_.train_x.options()));
  return Batch{data_.train_x.slice(0, first, last), data_.train_y.slice(0, first, last)};
}

Batch DataView::val(std::int64_t first, std::int64_t last) const {
  if (data_.text) return windows(data_.val_x, torch::arange(first, last, data_.val_x.options()));
  return Batch{data_.val_x.slice(0, first, last), data_.val_y.slice(0, first, last)};
}

}  // namespace trawl
