// data.kind = "sft" with data.task "classification" or "regression": rows a
// user tokenized, read from HDF5 as <split>/input_ids, <split>/lengths and
// <split>/labels (train/labelled_rows.hpp).
#include <cmath>

#include "core/error.hpp"
#include "core/text.hpp"
#include "h5/io.hpp"
#include "train/labelled_rows.hpp"

namespace trawl {

namespace {

std::string where(const std::string& path, const std::string& name) {
  return "data.path: " + path + ": '" + name + "'";
}

h5::Dataset open_rows_dataset(hid_t file, const std::string& path, const std::string& name, std::size_t rank) {
  if (!h5::exists(file, name))
    throw InputError("data.path: " + path + " has no dataset '" + name +
                     "' (a classifier's HDF5 rows: <split>/input_ids [rows, T], <split>/lengths [rows], "
                     "<split>/labels [rows])");
  h5::Dataset d = h5::open_dataset(file, name);
  const std::vector<hsize_t> dims = h5::shape(d);
  const H5T_class_t type = H5Tget_class(h5::file_type(d).get());
  if (dims.size() != rank || dims[0] == 0 || (type != H5T_INTEGER && type != H5T_FLOAT))
    throw InputError(where(path, name) + " must be " + (rank == 2 ? "integers [rows, T]" : "numbers [rows]") +
                     " with rows >= 1");
  return d;
}

bool holds_integers(const h5::Dataset& d) { return H5Tget_class(h5::file_type(d).get()) == H5T_INTEGER; }

}  // namespace

RawLabelledRows read_labelled_rows_h5(const std::string& path, const std::string& split) {
  h5::File file = h5::open_file(path, H5F_ACC_RDONLY);
  const h5::Dataset ids = open_rows_dataset(file.get(), path, split + "/input_ids", 2);
  const h5::Dataset lengths = open_rows_dataset(file.get(), path, split + "/lengths", 1);
  const h5::Dataset labels = open_rows_dataset(file.get(), path, split + "/labels", 1);
  const std::vector<hsize_t> dims = h5::shape(ids);
  for (const h5::Dataset* d : {&lengths, &labels})
    if (h5::shape(*d)[0] != dims[0])
      throw InputError(where(path, split + (d == &lengths ? "/lengths" : "/labels")) + " has " +
                       std::to_string(h5::shape(*d)[0]) + " rows but '" + split + "/input_ids' has " +
                       std::to_string(dims[0]));
  if (!holds_integers(ids) || !holds_integers(lengths))
    throw InputError(where(path, split + (holds_integers(ids) ? "/lengths" : "/input_ids")) +
                     " must hold integers");
  const auto rows = static_cast<std::int64_t>(dims[0]), width = static_cast<std::int64_t>(dims[1]);
  RawLabelledRows raw;
  raw.rows.input_ids = torch::empty({rows, width}, torch::kLong);
  raw.rows.lengths = torch::empty({rows}, torch::kLong);
  raw.rows.labels = torch::empty({rows}, torch::kDouble);
  h5::read_all(ids, H5T_NATIVE_INT64, raw.rows.input_ids.data_ptr());
  h5::read_all(lengths, H5T_NATIVE_INT64, raw.rows.lengths.data_ptr());
  h5::read_all(labels, H5T_NATIVE_DOUBLE, raw.rows.labels.data_ptr());
  raw.integer_labels = holds_integers(labels);
  return raw;
}

double check_labelled_rows(const RawLabelledRows& raw, const std::string& path, const std::string& split,
                           std::int64_t vocab, bool classes_task, std::int64_t classes) {
  const std::int64_t width = raw.rows.input_ids.size(1);
  auto ids = raw.rows.input_ids.accessor<std::int64_t, 2>();
  auto lengths = raw.rows.lengths.accessor<std::int64_t, 1>();
  auto labels = raw.rows.labels.accessor<double, 1>();
  double largest = 0;
  for (std::int64_t r = 0; r < raw.rows.input_ids.size(0); ++r) {
    const std::string row = " row " + std::to_string(r);
    if (lengths[r] < 1 || lengths[r] > width)
      throw InputError(where(path, split + "/lengths") + row + " is " + std::to_string(lengths[r]) +
                       ", outside 1.." + std::to_string(width) + " (the row's real tokens in '" + split +
                       "/input_ids')");
    for (std::int64_t t = 0; t < lengths[r]; ++t)
      if (ids[r][t] < 0 || ids[r][t] >= vocab)
        throw InputError(where(path, split + "/input_ids") + row + " column " + std::to_string(t) + " is " +
                         std::to_string(ids[r][t]) + ", outside the model's vocabulary (vocab_size " +
                         std::to_string(vocab) + ")");
    const std::string problem = label_problem(labels[r], raw.integer_labels, classes_task, classes);
    if (!problem.empty()) throw InputError(where(path, split + "/labels") + row + ": " + problem);
    largest = std::max(largest, labels[r]);
  }
  return largest;
}

LabelledRows labelled_rows_for_training(RawLabelledRows raw, std::int64_t pad_id, bool classes_task) {
  LabelledRows& rows = raw.rows;
  // What follows a row's last real token is padding, whatever the file holds there.
  const torch::Tensor positions = torch::arange(rows.input_ids.size(1), torch::kLong).unsqueeze(0);
  rows.input_ids.masked_fill_(positions.ge(rows.lengths.unsqueeze(1)), pad_id);
  rows.labels = classes_task ? rows.labels.to(torch::kLong) : rows.labels.to(torch::kFloat);
  return rows;
}

}  // namespace trawl
