// lib/h5: typed reads and writes of 1-D columns, 2-D tables and attributes,
// each checked. Types: int64, double, int8 enums and UTF-8 strings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "h5/handle.hpp"

namespace trawl::h5 {

Datatype string_type();  // variable-length UTF-8
Datatype bool_type();    // int8 enum FALSE/TRUE, which h5py reads as bool
// An int8 enum with the names in order (value i is names[i]).
Datatype enum_type(const std::vector<std::string>& names);

Dataset open_dataset(hid_t location, const std::string& path);
std::vector<hsize_t> shape(const Dataset& dataset);
Datatype file_type(const Dataset& dataset);

// A chunked 1-D dataset of `rows` rows, creating missing parent groups;
// unwritten rows read as `fill` (nullptr: the type's default).
Dataset create_column(hid_t location, const std::string& path, hid_t type, hsize_t rows,
                      const void* fill);
// A chunked 2-D [rows, columns] dataset whose column count can grow.
Dataset create_growing_table(hid_t location, const std::string& path, hid_t type, hsize_t rows,
                             hsize_t columns, const void* fill);

// Rows [first, first + count) of a 1-D dataset from a buffer of `mem_type`.
void write_rows(const Dataset& dataset, hid_t mem_type, hsize_t first, hsize_t count, const void* data);
// One cell of a 2-D dataset, growing its columns when `column` is past them.
void write_cell(const Dataset& dataset, hid_t mem_type, hsize_t row, hsize_t column, const void* value);
// A whole 2-D dataset of `rows` x `columns` (growing its columns to fit).
void write_matrix(const Dataset& dataset, hid_t mem_type, hsize_t rows, hsize_t columns, const void* data);
void read_rows(const Dataset& dataset, hid_t mem_type, hsize_t first, hsize_t count, void* data);
void read_all(const Dataset& dataset, hid_t mem_type, void* data);
// Column `column` of a 2-D table, one value per row; reads nothing (leaving
// `data` as it is) when the table has fewer columns.
void read_column(const Dataset& dataset, hid_t mem_type, hsize_t column, void* data);
// Row `row` of a 2-D dataset (all its columns).
void read_table_row(const Dataset& dataset, hid_t mem_type, hsize_t row, void* data);
std::vector<std::string> read_strings(const Dataset& dataset);
// An empty 1-D dataset that grows as rows are appended.
Dataset create_log_column(hid_t location, const std::string& path, hid_t type);
// Appends to a 1-D dataset made by create_log_column.
void append_rows(const Dataset& dataset, hid_t mem_type, hsize_t count, const void* data);
// Replaces every row of a 1-D dataset made by create_log_column with `count` rows.
void replace_rows(const Dataset& dataset, hid_t mem_type, hsize_t count, const void* data);

void write_attribute(hid_t location, const std::string& name, const std::string& value);
void write_attribute(hid_t location, const std::string& name, std::int64_t value);
void write_attribute(hid_t location, const std::string& name, const std::vector<std::string>& values);
bool has_attribute(hid_t location, const std::string& name);
std::string read_string_attribute(hid_t location, const std::string& name);
std::int64_t read_integer_attribute(hid_t location, const std::string& name);
std::vector<std::string> read_strings_attribute(hid_t location, const std::string& name);

}  // namespace trawl::h5
