#include "h5/typed.hpp"

namespace trawl::h5 {

void check_class(const Dataset& dataset, H5T_class_t wanted, const std::string& path) {
  Datatype type = file_type(dataset);
  const H5T_class_t have = H5Tget_class(type.get());
  const bool ok = have == wanted || (wanted == H5T_ENUM && have == H5T_INTEGER);  // enums written as int8
  if (!ok) throw H5Error(path + ": the dataset is not of the type trawl expects (HDF5 type class " +
                         std::to_string(static_cast<int>(have)) + ", expected " +
                         std::to_string(static_cast<int>(wanted)) + ")");
}

template <>
std::vector<std::string> read<std::string>(hid_t location, const std::string& path) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, H5T_STRING, path);
  return read_strings(dataset);
}

template <>
std::string read_one<std::string>(hid_t location, const std::string& path, hsize_t row) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, H5T_STRING, path);
  Datatype text = string_type();
  char* raw = nullptr;
  read_rows(dataset, text.get(), row, 1, &raw);
  std::string value = raw ? raw : "";
  H5free_memory(raw);
  return value;
}

void write_one(hid_t location, const std::string& path, hsize_t row, const std::string& value) {
  Datatype text = string_type();
  const char* raw = value.c_str();
  write_rows(open_dataset(location, path), text.get(), row, 1, &raw);
}

namespace {

// The enum's raw 8-bit values at [first, first + count) (all rows: count 0),
// read with the file's own type so that nothing is converted: converting to
// a memory enum would fail on an unknown value without saying which row.
std::vector<std::int8_t> raw_enum(hid_t location, const std::string& path, hsize_t first, hsize_t count) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, H5T_ENUM, path);
  Datatype type = file_type(dataset);
  if (H5Tget_size(type.get()) != 1) throw H5Error(path + ": the enum is not of 8-bit values");
  if (H5Tget_class(type.get()) != H5T_ENUM) type = Datatype(H5Tcopy(H5T_NATIVE_INT8), "copy int8 type");
  if (count == 0) count = shape(dataset).at(0) - first;
  std::vector<std::int8_t> values(count);
  read_rows(dataset, type.get(), first, count, values.data());
  return values;
}

void check_enum(const std::vector<std::int8_t>& values, hsize_t first, const std::string& path,
                const std::vector<std::string>& names) {
  for (std::size_t k = 0; k < values.size(); ++k)
    if (values[k] < 0 || static_cast<std::size_t>(values[k]) >= names.size())
      throw H5Error(path + ": row " + std::to_string(first + k) + " holds " + std::to_string(values[k]) +
                    ", which is not one of its " + std::to_string(names.size()) + " enum values");
}

}  // namespace

std::vector<std::int8_t> read_enum(hid_t location, const std::string& path, const std::vector<std::string>& names) {
  return read_enum_rows(location, path, 0, 0, names);
}

std::vector<std::int8_t> read_enum_rows(hid_t location, const std::string& path, hsize_t first, hsize_t count,
                                        const std::vector<std::string>& names) {
  std::vector<std::int8_t> values = raw_enum(location, path, first, count);
  check_enum(values, first, path, names);
  return values;
}

std::int8_t read_enum_one(hid_t location, const std::string& path, hsize_t row, const std::vector<std::string>& names) {
  return read_enum_rows(location, path, row, 1, names)[0];
}

void write_enum(hid_t location, const std::string& path, hsize_t row, std::int8_t value,
                const std::vector<std::string>& names) {
  Datatype type = enum_type(names);
  write_rows(open_dataset(location, path), type.get(), row, 1, &value);
}

}  // namespace trawl::h5
