#include "h5/io.hpp"

#include <algorithm>
#include <cstdlib>

namespace trawl::h5 {

namespace {

constexpr hsize_t column_chunk = 4096;

PropertyList link_creation_with_parents() {
  PropertyList lcpl(H5Pcreate(H5P_LINK_CREATE), "create link properties");
  check(H5Pset_create_intermediate_group(lcpl.get(), 1), "allow creating parent groups");
  return lcpl;
}

PropertyList chunked(int rank, const hsize_t* chunk, hid_t type, const void* fill) {
  PropertyList dcpl(H5Pcreate(H5P_DATASET_CREATE), "create dataset properties");
  check(H5Pset_chunk(dcpl.get(), rank, chunk), "set chunk size");
  if (fill) check(H5Pset_fill_value(dcpl.get(), type, fill), "set fill value");
  return dcpl;
}

Dataset create(hid_t location, const std::string& path, hid_t type, int rank, const hsize_t* dims,
               const hsize_t* max_dims, const hsize_t* chunk, const void* fill) {
  Dataspace space(H5Screate_simple(rank, dims, max_dims), "create dataspace for " + path);
  PropertyList lcpl = link_creation_with_parents();
  PropertyList dcpl = chunked(rank, chunk, type, fill);
  return Dataset(H5Dcreate2(location, path.c_str(), type, space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
                 "create dataset " + path);
}

Dataspace select(const Dataset& dataset, const hsize_t* start, const hsize_t* count, const std::string& what) {
  Dataspace space(H5Dget_space(dataset.get()), what);
  check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), what);
  return space;
}

Attribute create_attribute(hid_t location, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(location, name.c_str()) > 0) check(H5Adelete(location, name.c_str()), "replace attribute " + name);
  return Attribute(H5Acreate2(location, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                   "create attribute " + name);
}

// Reads and writes that convert types (enums, strings) get a conversion
// buffer of this size instead of HDF5's default 1 MiB, which it zero-fills
// for every call: that made writing one string row cost about 7 ms.
hid_t transfer() {
  static const PropertyList properties = [] {
    PropertyList p(H5Pcreate(H5P_DATASET_XFER), "create transfer properties");
    check(H5Pset_buffer(p.get(), 64 * 1024, nullptr, nullptr), "set the conversion buffer size");
    return p;
  }();
  return properties.get();
}

}  // namespace

Datatype string_type() {
  Datatype type(H5Tcopy(H5T_C_S1), "copy string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "make string type variable-length");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "make string type UTF-8");
  return type;
}

Datatype enum_type(const std::vector<std::string>& names) {
  Datatype type(H5Tenum_create(H5T_NATIVE_INT8), "create enum type");
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto value = static_cast<std::int8_t>(i);
    check(H5Tenum_insert(type.get(), names[i].c_str(), &value), "add enum value " + names[i]);
  }
  return type;
}

Datatype bool_type() { return enum_type({"FALSE", "TRUE"}); }

// One path lookup when the dataset is there (every read and write opens
// one); the walk along the path only names what is missing.
Dataset open_dataset(hid_t location, const std::string& path) {
  const hid_t id = H5Dopen2(location, path.c_str(), H5P_DEFAULT);
  if (id < 0 && !exists(location, path)) throw H5Error("dataset '" + path + "' does not exist");
  return Dataset(id, "open dataset " + path);
}

std::vector<hsize_t> shape(const Dataset& dataset) {
  Dataspace space(H5Dget_space(dataset.get()), "get dataspace");
  int rank = check(H5Sget_simple_extent_ndims(space.get()), "get rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "get dimensions");
  return dims;
}

Datatype file_type(const Dataset& dataset) { return Datatype(H5Dget_type(dataset.get()), "get dataset type"); }

Dataset create_column(hid_t location, const std::string& path, hid_t type, hsize_t rows, const void* fill) {
  hsize_t chunk = std::max<hsize_t>(1, std::min(rows, column_chunk));
  return create(location, path, type, 1, &rows, &rows, &chunk, fill);
}

Dataset create_growing_table(hid_t location, const std::string& path, hid_t type, hsize_t rows,
                             hsize_t columns, const void* fill) {
  hsize_t dims[2] = {rows, columns};
  hsize_t max_dims[2] = {rows, H5S_UNLIMITED};
  // Narrow chunks: a trial with one eval point costs a few cells beyond its
  // own, not 64 columns of fill.
  hsize_t chunk[2] = {std::max<hsize_t>(1, std::min<hsize_t>(rows, 256)), 4};
  return create(location, path, type, 2, dims, max_dims, chunk, fill);
}

Dataset create_log_column(hid_t location, const std::string& path, hid_t type) {
  hsize_t dims = 0, max_dims = H5S_UNLIMITED, chunk = 256;
  return create(location, path, type, 1, &dims, &max_dims, &chunk, nullptr);
}

void write_rows(const Dataset& dataset, hid_t mem_type, hsize_t first, hsize_t count, const void* data) {
  Dataspace file_space = select(dataset, &first, &count, "select rows to write");
  Dataspace mem_space(H5Screate_simple(1, &count, nullptr), "create memory space");
  check(H5Dwrite(dataset.get(), mem_type, mem_space.get(), file_space.get(), transfer(), data), "write rows");
}

void write_cell(const Dataset& dataset, hid_t mem_type, hsize_t row, hsize_t column, const void* value) {
  std::vector<hsize_t> dims = shape(dataset);
  if (column >= dims[1]) {
    dims[1] = column + 1;
    check(H5Dset_extent(dataset.get(), dims.data()), "grow table to " + std::to_string(dims[1]) + " columns");
  }
  hsize_t start[2] = {row, column}, count[2] = {1, 1};
  Dataspace file_space = select(dataset, start, count, "select cell to write");
  Dataspace mem_space(H5Screate_simple(2, count, nullptr), "create memory space");
  check(H5Dwrite(dataset.get(), mem_type, mem_space.get(), file_space.get(), transfer(), value), "write cell");
}

void write_matrix(const Dataset& dataset, hid_t mem_type, hsize_t rows, hsize_t columns, const void* data) {
  hsize_t dims[2] = {rows, columns};
  check(H5Dset_extent(dataset.get(), dims), "size table to " + std::to_string(columns) + " columns");
  if (rows && columns) check(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, transfer(), data), "write table");
}

void read_rows(const Dataset& dataset, hid_t mem_type, hsize_t first, hsize_t count, void* data) {
  if (count == 0) return;
  Dataspace file_space = select(dataset, &first, &count, "select rows to read");
  Dataspace mem_space(H5Screate_simple(1, &count, nullptr), "create memory space");
  check(H5Dread(dataset.get(), mem_type, mem_space.get(), file_space.get(), transfer(), data), "read rows");
}

void read_column(const Dataset& dataset, hid_t mem_type, hsize_t column, void* data) {
  const std::vector<hsize_t> dims = shape(dataset);
  if (dims.size() != 2 || column >= dims[1] || dims[0] == 0) return;
  hsize_t start[2] = {0, column}, count[2] = {dims[0], 1};
  Dataspace file_space = select(dataset, start, count, "select column to read");
  Dataspace mem_space(H5Screate_simple(2, count, nullptr), "create memory space");
  check(H5Dread(dataset.get(), mem_type, mem_space.get(), file_space.get(), transfer(), data), "read column");
}

void read_table_row(const Dataset& dataset, hid_t mem_type, hsize_t row, void* data) {
  const std::vector<hsize_t> dims = shape(dataset);
  if (dims.size() != 2 || row >= dims[0] || dims[1] == 0) return;
  hsize_t start[2] = {row, 0}, count[2] = {1, dims[1]};
  Dataspace file_space = select(dataset, start, count, "select row to read");
  Dataspace mem_space(H5Screate_simple(2, count, nullptr), "create memory space");
  check(H5Dread(dataset.get(), mem_type, mem_space.get(), file_space.get(), transfer(), data), "read row");
}

void read_all(const Dataset& dataset, hid_t mem_type, void* data) {
  check(H5Dread(dataset.get(), mem_type, H5S_ALL, H5S_ALL, transfer(), data), "read dataset");
}

std::vector<std::string> read_strings(const Dataset& dataset) {
  std::vector<hsize_t> dims = shape(dataset);
  std::vector<char*> raw(dims.empty() ? 0 : dims[0], nullptr);
  std::vector<std::string> out;
  if (raw.empty()) return out;
  Datatype type = string_type();
  read_all(dataset, type.get(), raw.data());
  for (char* s : raw) out.emplace_back(s ? s : "");
  Dataspace space(H5Dget_space(dataset.get()), "get dataspace");
  check(reclaim_variable_length(type.get(), space.get(), raw.data()), "free strings");
  return out;
}

void append_rows(const Dataset& dataset, hid_t mem_type, hsize_t count, const void* data) {
  hsize_t rows = shape(dataset)[0];
  hsize_t grown = rows + count;
  check(H5Dset_extent(dataset.get(), &grown), "grow log");
  write_rows(dataset, mem_type, rows, count, data);
}

void replace_rows(const Dataset& dataset, hid_t mem_type, hsize_t count, const void* data) {
  check(H5Dset_extent(dataset.get(), &count), "resize log to " + std::to_string(count) + " rows");
  if (count) write_rows(dataset, mem_type, 0, count, data);
}

void write_attribute(hid_t location, const std::string& name, const std::string& value) {
  Datatype type = string_type();
  Dataspace space(H5Screate(H5S_SCALAR), "create scalar space");
  Attribute attribute = create_attribute(location, name, type.get(), space.get());
  const char* text = value.c_str();
  check(H5Awrite(attribute.get(), type.get(), &text), "write attribute " + name);
}

void write_attribute(hid_t location, const std::string& name, std::int64_t value) {
  Dataspace space(H5Screate(H5S_SCALAR), "create scalar space");
  Attribute attribute = create_attribute(location, name, H5T_STD_I64LE, space.get());
  check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value), "write attribute " + name);
}

void write_attribute(hid_t location, const std::string& name, const std::vector<std::string>& values) {
  Datatype type = string_type();
  hsize_t n = values.size();
  Dataspace space(H5Screate_simple(1, &n, nullptr), "create attribute space");
  Attribute attribute = create_attribute(location, name, type.get(), space.get());
  std::vector<const char*> texts;
  for (const auto& v : values) texts.push_back(v.c_str());
  if (!texts.empty()) check(H5Awrite(attribute.get(), type.get(), texts.data()), "write attribute " + name);
}

bool has_attribute(hid_t location, const std::string& name) {
  return check(H5Aexists(location, name.c_str()), "look for attribute " + name) > 0;
}

static Attribute open_attribute(hid_t location, const std::string& name) {
  if (H5Aexists(location, name.c_str()) <= 0) throw H5Error("attribute '" + name + "' is missing");
  return Attribute(H5Aopen(location, name.c_str(), H5P_DEFAULT), "open attribute " + name);
}

std::string read_string_attribute(hid_t location, const std::string& name) {
  Attribute attribute = open_attribute(location, name);
  Datatype type = string_type();
  char* text = nullptr;
  check(H5Aread(attribute.get(), type.get(), &text), "read attribute " + name);
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

std::int64_t read_integer_attribute(hid_t location, const std::string& name) {
  Attribute attribute = open_attribute(location, name);
  std::int64_t value = 0;
  check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value), "read attribute " + name);
  return value;
}

std::vector<std::string> read_strings_attribute(hid_t location, const std::string& name) {
  Attribute attribute = open_attribute(location, name);
  Dataspace space(H5Aget_space(attribute.get()), "get attribute space");
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<char*> raw(static_cast<std::size_t>(std::max<hssize_t>(0, n)), nullptr);
  Datatype type = string_type();
  if (!raw.empty()) check(H5Aread(attribute.get(), type.get(), raw.data()), "read attribute " + name);
  std::vector<std::string> out;
  for (char* s : raw) {
    out.emplace_back(s ? s : "");
    H5free_memory(s);
  }
  return out;
}

}  // namespace trawl::h5
