// data.kind = "hdf5": tabular data, an HDF5 file's x and y arrays, one
// example per row (data.train_x, data.train_y, data.val_x, data.val_y).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <vector>

#include "h5/io.hpp"
#include "spec/metrics.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"

namespace trawl {

namespace {

struct Array {
  std::vector<hsize_t> shape;
  H5T_class_t type_class;
};


// The HDF5 data file of a sweep, with every failure an InputError that names
// the key (file:line:col), the file and the dataset.
class DataFile {
 public:
  DataFile(const SweepSpec& spec, std::string path, h5::File file)
      : spec_(spec), path_(std::move(path)), file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw input_error_at(spec_.pos(key), key + " ('" + spec_.string(key) + "' in " + path_ + "): " + message);
  }

  Array describe(const std::string& key) const {
    const std::string& name = spec_.string(key);
    if (!h5::exists(file_.get(), name))
      throw input_error_at(spec_.pos(key), key + ": dataset '" + name + "' is not in " + path_);
    if (!h5::is_dataset(file_.get(), name)) fail(key, "is a group, not a dataset");
    h5::Dataset d = h5::open_dataset(file_.get(), name);
    h5::Datatype type = h5::file_type(d);
    return Array{h5::shape(d), H5Tget_class(type.get())};
  }

  template <typename T>
  std::vector<T> read(const std::string& key, hid_t memory_type) const {
    h5::Dataset d = h5::open_dataset(file_.get(), spec_.string(key));
    std::vector<hsize_t> dims = h5::shape(d);
    std::size_t n = 1;
    for (hsize_t dim : dims) n *= dim;
    std::vector<T> values(n);
    if (n) h5::read_all(d, memory_type, values.data());
    return values;
  }

  // NaN or infinite features (or regression targets) make every trial diverge.
  void check_finite(const std::string& key, std::size_t row_width) const {
    const std::vector<float> values = read<float>(key, H5T_NATIVE_FLOAT);
    for (std::size_t i = 0; i < values.size(); ++i)
      if (!std::isfinite(values[i]))
        fail(key, "row " + std::to_string(i / std::max<std::size_t>(1, row_width)) + " holds " +
                      (std::isnan(values[i]) ? "NaN" : "an infinite value") + "; clean the data first");
  }

 private:
  const SweepSpec& spec_;
  std::string path_;
  h5::File file_;
};

void check_shapes(const DataFile& data, const Array& train_x, const Array& val_x, const Array& train_y,
                  const Array& val_y, bool classification) {
  for (const auto* key : {"data.train_x", "data.val_x"}) {
    const Array& x = std::string(key) == "data.train_x" ? train_x : val_x;
    if (x.shape.size() != 2) data.fail(key, "must be 2-D [rows, features], not " + std::to_string(x.shape.size()) + "-D");
    if (x.type_class != H5T_FLOAT) data.fail(key, "must hold floats (float32)");
    if (x.shape[0] == 0) data.fail(key, "has no rows");
  }
  if (train_x.shape[1] != val_x.shape[1])
    data.fail("data.val_x", "has " + std::to_string(val_x.shape[1]) + " features but data.train_x has " +
                                std::to_string(train_x.shape[1]));
  for (const auto* key : {"data.train_y", "data.val_y"}) {
    const bool train = std::string(key) == "data.train_y";
    const Array& y = train ? train_y : val_y;
    const Array& x = train ? train_x : val_x;
    if (y.shape.empty() || y.shape[0] != x.shape[0])
      data.fail(key, "has " + std::to_string(y.shape.empty() ? 0 : y.shape[0]) + " rows but its x has " +
                         std::to_string(x.shape[0]));
    if (classification && (y.shape.size() != 1 || y.type_class != H5T_INTEGER))
      data.fail(key, "must be 1-D integer class ids (int64) for a classification task");
    if (!classification && (y.shape.size() > 2 || y.type_class != H5T_FLOAT))
      data.fail(key, "must be float32 targets [rows] or [rows, targets] for a regression task");
  }
  if (!classification && train_y.shape.size() != val_y.shape.size())
    data.fail("data.val_y", "has a different shape from data.train_y");
}

// Class ids: 0..C-1 in training; validation labels must be classes the
// model is trained on (a stray 99 would silently make a 100-class task).
int check_labels(const DataFile& data) {
  const std::vector<std::int64_t> train = data.read<std::int64_t>("data.train_y", H5T_NATIVE_INT64);
  auto [lo, hi] = std::minmax_element(train.begin(), train.end());
  if (*lo < 0)
    data.fail("data.train_y", "row " + std::to_string(lo - train.begin()) + " holds class id " + std::to_string(*lo) +
                                  "; class ids start at 0");
  if (*hi < 1) data.fail("data.train_y", "holds only one class");
  const std::vector<std::int64_t> val = data.read<std::int64_t>("data.val_y", H5T_NATIVE_INT64);
  for (std::size_t row = 0; row < val.size(); ++row)
    if (val[row] < 0 || val[row] > *hi)
      data.fail("data.val_y", "row " + std::to_string(row) + " holds class id " + std::to_string(val[row]) +
                                  ", outside the training labels' range 0.." + std::to_string(*hi));
  return static_cast<int>(*hi + 1);
}

// val.auc ranks the validation rows of one class against the other's: with
// one class there, it is NaN for every trial, and no trial can be ranked.
void warn_single_class_validation(const SweepSpec& spec, const DataFile& data, DataShape& shape) {
  const std::vector<std::int64_t> val = data.read<std::int64_t>("data.val_y", H5T_NATIVE_INT64);
  if (val.empty() || std::adjacent_find(val.begin(), val.end(), std::not_equal_to<>()) != val.end()) return;
  std::vector<std::string> uses{spec.string("sweep.metric")};
  for (const Constraint& c : spec.constraints) uses.push_back(c.metric);
  if (std::find(uses.begin(), uses.end(), "val.auc") == uses.end()) return;
  shape.warnings.push_back("val.auc is undefined on this data: every row of data.val_y is class " +
                           std::to_string(val.front()) + ", so it will be NaN for every trial");
}

DataShape inspect_hdf5(const SweepSpec& spec, const DataFile& data) {
  const bool classification = spec.string("data.task") == "classification";
  const Array train_x = data.describe("data.train_x"), train_y = data.describe("data.train_y");
  const Array val_x = data.describe("data.val_x"), val_y = data.describe("data.val_y");
  check_shapes(data, train_x, val_x, train_y, val_y, classification);
  DataShape shape;
  shape.train_rows = static_cast<std::int64_t>(train_x.shape[0]);
  shape.val_rows = static_cast<std::int64_t>(val_x.shape[0]);
  shape.features = static_cast<std::int64_t>(train_x.shape[1]);
  for (const char* key : {"data.train_x", "data.val_x"}) data.check_finite(key, train_x.shape[1]);
  if (!classification) {
    const std::size_t targets = train_y.shape.size() == 2 ? train_y.shape[1] : 1;
    for (const char* key : {"data.train_y", "data.val_y"}) data.check_finite(key, targets);
    shape.outputs = static_cast<std::int64_t>(targets);
    return shape;
  }
  shape.classes = check_labels(data);
  check_two_class_metrics(spec, shape.classes);
  warn_single_class_validation(spec, data, shape);
  shape.outputs = shape.classes;
  return shape;
}

torch::Tensor read_array(hid_t file, const std::string& dataset, bool integers) {
  h5::Dataset d = h5::open_dataset(file, dataset);
  std::vector<std::int64_t> dims;
  for (auto n : h5::shape(d)) dims.push_back(static_cast<std::int64_t>(n));
  torch::Tensor t = torch::empty(dims, integers ? torch::kLong : torch::kFloat);
  if (t.numel() > 0) h5::read_all(d, integers ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT, t.data_ptr());
  return t;
}

class TabularView : public DataView {
 public:
  TabularView(const torch::Tensor& train_x, const torch::Tensor& train_y, const torch::Tensor& val_x,
              const torch::Tensor& val_y)
      : train_x_(train_x), train_y_(train_y), val_x_(val_x), val_y_(val_y) {
    train_examples_ = train_x.size(0);
    val_examples_ = val_x.size(0);
  }
  Batch train(const torch::Tensor& examples) const override {
    const torch::Tensor rows = examples.to(train_x_.device());
    return Batch{train_x_.index_select(0, rows), train_y_.index_select(0, rows)};
  }
  Batch train(std::int64_t first, std::int64_t last) const override {
    return Batch{train_x_.slice(0, first, last), train_y_.slice(0, first, last)};
  }
  Batch val(std::int64_t first, std::int64_t last) const override {
    return Batch{val_x_.slice(0, first, last), val_y_.slice(0, first, last)};
  }

 private:
  const torch::Tensor &train_x_, &train_y_, &val_x_, &val_y_;
};

class TabularData : public LoadedData {
 public:
  TabularData(const SweepSpec& spec, hid_t file) {
    const bool classes = spec.string("data.task") == "classification";
    train_x_ = read_array(file, spec.string("data.train_x"), false);
    val_x_ = read_array(file, spec.string("data.val_x"), false);
    train_y_ = read_array(file, spec.string("data.train_y"), classes);
    val_y_ = read_array(file, spec.string("data.val_y"), classes);
  }
  void to(torch::Device device) override {
    for (torch::Tensor* t : {&train_x_, &train_y_, &val_x_, &val_y_}) *t = t->to(device);
  }
  std::unique_ptr<DataView> view(std::int64_t) const override {
    return std::make_unique<TabularView>(train_x_, train_y_, val_x_, val_y_);
  }

 private:
  torch::Tensor train_x_, train_y_, val_x_, val_y_;
};

class Hdf5Source : public DataSource {
 public:
  DataShape inspect(const SweepSpec& spec) const override {
    const std::string path = spec.resolve_path(spec.string("data.path"));
    const SourcePos& where = spec.pos("data.path");
    if (!std::filesystem::is_regular_file(path)) throw input_error_at(where, "data.path: no such file: " + path);
    if (H5Fis_hdf5(path.c_str()) <= 0) throw input_error_at(where, "data.path: not an HDF5 file: " + path);
    try {
      return inspect_hdf5(spec, DataFile(spec, path, h5::open_file(path, H5F_ACC_RDONLY)));
    } catch (const h5::H5Error& e) {
      // A file HDF5 recognises but cannot read through: truncated, or damaged.
      throw input_error_at(where, "data.path: cannot read " + path + " (truncated or damaged?): " + e.what());
    }
  }
  std::string summary(const DataShape& data) const override {
    return std::to_string(data.train_rows) + " train / " + std::to_string(data.val_rows) + " val rows, " +
           std::to_string(data.features) + " features" +
           (data.classes ? ", " + std::to_string(data.classes) + " classes" : std::string());
  }
  std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts&) const override {
    h5::File file = h5::open_file(spec.resolve_path(spec.string("data.path")), H5F_ACC_RDONLY);
    return std::make_shared<TabularData>(spec, file.get());
  }
};

}  // namespace

const DataSource& hdf5_source() {
  static const Hdf5Source source;
  return source;
}

}  // namespace trawl
