// lib/h5: typed reads and writes. The memory type comes from the C++ type,
// so a read cannot be given a buffer of one type and a memory type of
// another; a file type of another class (a float column read as integers)
// is an H5Error naming the dataset instead of a silent conversion.
// Supported: std::int64_t, double, std::int8_t (enums, bools), std::string.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "h5/io.hpp"

namespace trawl::h5 {

template <typename T>
struct MemoryType;
template <>
struct MemoryType<std::int64_t> {
  static hid_t get() { return H5T_NATIVE_INT64; }
  static constexpr H5T_class_t file_class = H5T_INTEGER;
};
template <>
struct MemoryType<double> {
  static hid_t get() { return H5T_NATIVE_DOUBLE; }
  static constexpr H5T_class_t file_class = H5T_FLOAT;
};
template <>
struct MemoryType<std::int8_t> {  // plain int8; enums have read_enum
  static hid_t get() { return H5T_NATIVE_INT8; }
  static constexpr H5T_class_t file_class = H5T_INTEGER;
};

// Throws H5Error when the dataset's type is not of T's class (`path` names it).
void check_class(const Dataset& dataset, H5T_class_t wanted, const std::string& path);

// Every row of the 1-D dataset at `path`.
template <typename T>
std::vector<T> read(hid_t location, const std::string& path) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, MemoryType<T>::file_class, path);
  std::vector<T> values(shape(dataset).at(0));
  if (!values.empty()) read_all(dataset, MemoryType<T>::get(), values.data());
  return values;
}
template <>
std::vector<std::string> read<std::string>(hid_t location, const std::string& path);

// One row of the 1-D dataset at `path`.
template <typename T>
T read_one(hid_t location, const std::string& path, hsize_t row) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, MemoryType<T>::file_class, path);
  T value{};
  read_rows(dataset, MemoryType<T>::get(), row, 1, &value);
  return value;
}
template <>
std::string read_one<std::string>(hid_t location, const std::string& path, hsize_t row);

// Rows [first, first + count) of the 1-D dataset at `path`.
template <typename T>
std::vector<T> read_rows(hid_t location, const std::string& path, hsize_t first, hsize_t count) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, MemoryType<T>::file_class, path);
  std::vector<T> values(count);
  read_rows(dataset, MemoryType<T>::get(), first, count, values.data());
  return values;
}

// One row of the 2-D table at `path` (a trial's curve).
template <typename T>
std::vector<T> read_row(hid_t location, const std::string& path, hsize_t row) {
  Dataset dataset = open_dataset(location, path);
  check_class(dataset, MemoryType<T>::file_class, path);
  std::vector<T> values(shape(dataset).at(1));
  read_table_row(dataset, MemoryType<T>::get(), row, values.data());
  return values;
}

template <typename T>
void write_one(hid_t location, const std::string& path, hsize_t row, const T& value) {
  write_rows(open_dataset(location, path), MemoryType<T>::get(), row, 1, &value);
}
void write_one(hid_t location, const std::string& path, hsize_t row, const std::string& value);

// An int8 enum column, each value checked against the enum's `names`: a
// value outside them is an H5Error naming the dataset, row and value.
std::vector<std::int8_t> read_enum(hid_t location, const std::string& path, const std::vector<std::string>& names);
// Rows [first, first + count) of it (count 0: to the end).
std::vector<std::int8_t> read_enum_rows(hid_t location, const std::string& path, hsize_t first, hsize_t count,
                                        const std::vector<std::string>& names);
std::int8_t read_enum_one(hid_t location, const std::string& path, hsize_t row, const std::vector<std::string>& names);
void write_enum(hid_t location, const std::string& path, hsize_t row, std::int8_t value,
                const std::vector<std::string>& names);

}  // namespace trawl::h5
