#include "train/data_check.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <vector>

#include "checkpoint/hf_config.hpp"
#include "h5/io.hpp"
#include "spec/metrics.hpp"
#include "train/token_data.hpp"

namespace trawl {

namespace {

struct Array {
  std::vector<hsize_t> shape;
  H5T_class_t type_class;
};

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

// A causal_lm's config.json, its errors placed at model.path.
CausalLmConfig model_config(const SweepSpec& spec) {
  try {
    return read_causal_lm_config(spec.resolve_path(spec.string("model.path")));
  } catch (const InputError& e) {
    throw input_error_at(spec.pos("model.path"), e.what());
  }
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

namespace {

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

// The metrics a task reports for two classes but not for this many (val.auc,
// val.precision, val.recall) cannot be ranked by or bounded.
void check_two_class_metrics(const SweepSpec& spec, int classes) {
  const std::vector<std::string> two = metric_names("classification", 2);
  const std::vector<std::string> these = metric_names("classification", classes);
  const auto two_class_only = [&](const std::string& metric) {
    return std::find(two.begin(), two.end(), metric) != two.end() &&
           std::find(these.begin(), these.end(), metric) == these.end();
  };
  const std::string& metric = spec.string("sweep.metric");
  if (two_class_only(metric))
    throw input_error_at(spec.pos("sweep.metric"),
                         "sweep.metric " + metric + " needs two classes; the data has " + std::to_string(classes));
  for (const Constraint& c : spec.constraints)
    if (two_class_only(c.metric))
      throw input_error_at(c.pos, "sweep.constraints: " + c.metric + " needs two classes; the data has " +
                                      std::to_string(classes));
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

// The longest model.seq_len of the sweep: the windows it needs are the longest.
std::int64_t largest_seq_len(const SweepSpec& spec) {
  std::int64_t longest = spec.integer("model.seq_len");
  if (const Axis* axis = spec.find_axis("model.seq_len"))
    for (const Value& v : axis->values) longest = std::max(longest, std::get<std::int64_t>(v));
  return longest;
}

// Every shard holds tokens, every id fits the vocabulary, and the split has
// at least one window of seq_len + 1 tokens (windows do not cross shards).
void check_token_shards(const std::vector<TokenShard>& shards, const std::string& key, std::int64_t vocab_size,
                        std::int64_t seq_len, std::int64_t& tokens, std::int64_t& windows) {
  std::string lengths;
  for (const TokenShard& shard : shards) {
    if (shard.tokens() == 0) throw InputError(key + ": " + shard.path() + " holds no tokens");
    shard.check_vocabulary(vocab_size);
    tokens += shard.tokens();
    windows += (shard.tokens() - 1) / std::max<std::int64_t>(1, seq_len);
    lengths += (lengths.empty() ? "" : ", ") + shard.path() + " holds " + std::to_string(shard.tokens());
  }
  if (windows == 0)
    throw InputError(key + ": no shard holds a window of model.seq_len + 1 = " + std::to_string(seq_len + 1) +
                     " tokens (" + lengths + ")");
}

}  // namespace

// Token data: every shard or row readable, every id inside the model's
// vocabulary (a stray id would index past the embedding on every trial).
DataShape inspect_token_data(const SweepSpec& spec) {
  const std::string& kind = spec.string("data.kind");
  const CausalLmConfig config = model_config(spec);
  DataShape shape;
  shape.outputs = config.vocab_size;
  if (kind == "sft") {
    const std::string path = spec.resolve_path(spec.string("data.path"));
    if (!std::filesystem::is_regular_file(path) || H5Fis_hdf5(path.c_str()) <= 0)
      throw input_error_at(spec.pos("data.path"), "data.path: not an HDF5 file: " + path);
    for (const char* split : {"train", "val"}) {
      try {
        const SftSplit data = read_sft_split(path, split);
        check_sft_vocabulary(data, path, split, config.vocab_size);
        (std::string(split) == "train" ? shape.train_rows : shape.val_rows) = data.input_ids.size(0);
      } catch (const InputError& e) {
        throw input_error_at(spec.pos("data.path"), e.what());
      }
    }
    return shape;
  }
  shape.seq_len = largest_seq_len(spec);
  for (const char* key : {"data.train_file", "data.val_file"}) {
    const bool train = std::string(key) == "data.train_file";
    try {
      check_token_shards(open_token_shards(spec.resolve_path(spec.string(key)), key), key, config.vocab_size,
                         shape.seq_len, train ? shape.train_rows : shape.val_rows,
                         train ? shape.train_windows : shape.val_windows);
    } catch (const InputError& e) {
      throw input_error_at(spec.pos(key), e.what());
    }
  }
  return shape;
}

DataShape inspect_data(const SweepSpec& spec) {
  check_init_files(spec);
  if (spec.string("model.kind") == "torchscript") {
    const std::string module = spec.resolve_path(spec.string("model.path"));
    if (!std::filesystem::exists(module))
      throw input_error_at(spec.pos("model.path"), "model.path: no such file: " + module);
  }
  if (spec.string("data.kind") == "tokens" || spec.string("data.kind") == "sft") return inspect_token_data(spec);
  if (spec.string("model.kind") == "causal_lm" && model_config(spec).vocab_size < 256)
    throw input_error_at(spec.pos("model.path"), "text data is bytes (ids 0..255) but the model's vocab_size is " +
                                                     std::to_string(model_config(spec).vocab_size));
  if (spec.string("data.kind") == "text") return inspect_text(spec);
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

}  // namespace trawl
