#include "train/data_check.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "h5/io.hpp"

namespace trawl {

namespace {

struct Array {
  std::vector<hsize_t> shape;
  H5T_class_t type_class;
};

Array describe(hid_t file, const std::string& data_path, const std::string& key, const std::string& dataset,
               const SourcePos& pos) {
  if (!h5::exists(file, dataset))
    throw input_error_at(pos, key + ": dataset '" + dataset + "' is not in " + data_path);
  h5::Dataset d = h5::open_dataset(file, dataset);
  h5::Datatype type = h5::file_type(d);
  return Array{h5::shape(d), H5Tget_class(type.get())};
}

}  // namespace

// Base weights must exist before anything runs: a sweep of fine-tunes whose
// base is missing would fail every trial.
void check_init_files(const SweepSpec& spec) {
  auto check = [&](const std::string& file, const SourcePos& pos) {
    if (!file.empty() && !std::filesystem::exists(spec.resolve_path(file)))
      throw input_error_at(pos, "model.init: no such file: " + spec.resolve_path(file));
  };
  check(spec.string("model.init"), spec.pos("model.init"));
  if (const Axis* axis = spec.find_axis("model.init"))
    for (const auto& value : axis->values) check(std::get<std::string>(value), axis->pos);
}

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

DataShape inspect_data(const SweepSpec& spec) {
  check_init_files(spec);
  if (spec.string("model.kind") == "torchscript") {
    const std::string module = spec.resolve_path(spec.string("model.path"));
    if (!std::filesystem::exists(module))
      throw input_error_at(spec.pos("model.path"), "model.path: no such file: " + module);
  }
  if (spec.string("data.kind") == "text") return inspect_text(spec);
  const std::string path = spec.resolve_path(spec.string("data.path"));
  const SourcePos& where = spec.pos("data.path");
  if (!std::filesystem::exists(path)) throw input_error_at(where, "data.path: no such file: " + path);
  if (H5Fis_hdf5(path.c_str()) <= 0) throw input_error_at(where, "data.path: not an HDF5 file: " + path);
  h5::File file = h5::open_file(path, H5F_ACC_RDONLY);
  const bool classification = spec.string("data.task") == "classification";

  auto get = [&](const std::string& key) {
    return describe(file.get(), path, key, spec.string(key), spec.pos(key));
  };
  Array train_x = get("data.train_x"), train_y = get("data.train_y");
  Array val_x = get("data.val_x"), val_y = get("data.val_y");

  auto fail = [&](const std::string& key, const std::string& message) {
    throw input_error_at(spec.pos(key), key + " ('" + spec.string(key) + "' in " + path + "): " + message);
  };
  for (const auto* key : {"data.train_x", "data.val_x"}) {
    const Array& x = std::string(key) == "data.train_x" ? train_x : val_x;
    if (x.shape.size() != 2) fail(key, "must be 2-D [rows, features], not " + std::to_string(x.shape.size()) + "-D");
    if (x.type_class != H5T_FLOAT) fail(key, "must hold floats (float32)");
  }
  if (train_x.shape[1] != val_x.shape[1])
    fail("data.val_x", "has " + std::to_string(val_x.shape[1]) + " features but data.train_x has " +
                           std::to_string(train_x.shape[1]));
  for (const auto* key : {"data.train_y", "data.val_y"}) {
    bool train = std::string(key) == "data.train_y";
    const Array& y = train ? train_y : val_y;
    const Array& x = train ? train_x : val_x;
    if (y.shape.empty() || y.shape[0] != x.shape[0])
      fail(key, "has " + std::to_string(y.shape.empty() ? 0 : y.shape[0]) + " rows but its x has " +
                    std::to_string(x.shape[0]));
    if (classification && (y.shape.size() != 1 || y.type_class != H5T_INTEGER))
      fail(key, "must be 1-D integer class ids (int64) for a classification task");
    if (!classification && (y.shape.size() > 2 || y.type_class != H5T_FLOAT))
      fail(key, "must be float32 targets [rows] or [rows, targets] for a regression task");
  }
  if (!classification && train_y.shape.size() != val_y.shape.size())
    fail("data.val_y", "has a different shape from data.train_y");

  DataShape shape;
  shape.train_rows = static_cast<std::int64_t>(train_x.shape[0]);
  shape.val_rows = static_cast<std::int64_t>(val_x.shape[0]);
  shape.features = static_cast<std::int64_t>(train_x.shape[1]);
  if (shape.train_rows == 0) fail("data.train_x", "has no rows");
  if (shape.val_rows == 0) fail("data.val_x", "has no rows");
  if (classification) {
    std::int64_t highest = 0;
    for (const auto* key : {"data.train_y", "data.val_y"}) {
      h5::Dataset y = h5::open_dataset(file.get(), spec.string(key));
      std::vector<std::int64_t> labels(h5::shape(y)[0]);
      h5::read_all(y, H5T_NATIVE_INT64, labels.data());
      auto [lo, hi] = std::minmax_element(labels.begin(), labels.end());
      if (*lo < 0) fail(key, "holds class id " + std::to_string(*lo) + "; class ids start at 0");
      highest = std::max(highest, *hi);
    }
    if (highest < 1) fail("data.train_y", "holds only one class");
    shape.classes = static_cast<int>(highest + 1);
    if (spec.string("sweep.metric") == "val.auc" && shape.classes != 2)
      throw input_error_at(spec.pos("sweep.metric"), "sweep.metric val.auc needs two classes; the data has " +
                                                         std::to_string(shape.classes));
    shape.outputs = shape.classes;
  } else {
    shape.outputs = train_y.shape.size() == 2 ? static_cast<std::int64_t>(train_y.shape[1]) : 1;
  }
  return shape;
}

}  // namespace trawl
