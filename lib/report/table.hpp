// lib/report: a titled table of cells, and its renderings.
#pragma once

#include <string>
#include <vector>

namespace trawl {

struct Cell {
  std::string text;
  bool number = false;  // JSON writes it bare (NaN as null); tables right-align it
};

Cell text_cell(std::string text);
Cell number_cell(double value);  // "%.6g"; NaN shows as "-"
Cell integer_cell(long long value);

struct Table {
  std::string name;   // machine name: the JSON key, the CSV section
  std::string title;  // for people
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

enum class TableFormat { text, csv, json, markdown };
TableFormat parse_table_format(const std::string& name);  // InputError for an unknown one

std::string render(const std::vector<Table>& tables, TableFormat format);

}  // namespace trawl
