#include "report/table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

Cell text_cell(std::string text) { return Cell{std::move(text), false}; }

Cell number_cell(double value) {
  if (std::isnan(value)) return Cell{"-", true};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return Cell{buf, true};
}

Cell integer_cell(long long value) { return Cell{std::to_string(value), true}; }

TableFormat parse_table_format(const std::string& name) {
  if (name == "table") return TableFormat::text;
  if (name == "csv") return TableFormat::csv;
  if (name == "json") return TableFormat::json;
  if (name == "markdown") return TableFormat::markdown;
  throw InputError("--format " + name + " is not one of table, csv, json, markdown");
}

namespace {

std::string render_text(const std::vector<Table>& tables) {
  std::ostringstream out;
  for (const auto& table : tables) {
    out << table.title << "\n";
    if (table.rows.empty()) {
      out << "  (none)\n\n";
      continue;
    }
    std::vector<std::size_t> width(table.columns.size());
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      width[c] = table.columns[c].size();
      for (const auto& row : table.rows) width[c] = std::max(width[c], row[c].text.size());
    }
    auto line = [&](auto cell_text, auto right) {
      out << " ";
      for (std::size_t c = 0; c < width.size(); ++c) {
        std::string t = cell_text(c);
        std::string pad(width[c] - t.size(), ' ');
        out << " " << (right(c) ? pad + t : t + pad);
      }
      out << "\n";
    };
    line([&](std::size_t c) { return table.columns[c]; }, [](std::size_t) { return false; });
    for (const auto& row : table.rows)
      line([&](std::size_t c) { return row[c].text; }, [&](std::size_t c) { return row[c].number; });
    out << "\n";
  }
  return out.str();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// One table, one header line: what pandas.read_csv reads as it is.
std::string render_csv(const std::vector<Table>& tables) {
  if (tables.size() != 1)
    throw InputError("a CSV file holds one table, not " + std::to_string(tables.size()) +
                     ": pick one with --table");
  const Table& table = tables.front();
  std::ostringstream out;
  for (std::size_t c = 0; c < table.columns.size(); ++c) out << (c ? "," : "") << csv_field(table.columns[c]);
  out << "\n";
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c)
      out << (c ? "," : "") << csv_field(row[c].number && row[c].text == "-" ? "" : row[c].text);
    out << "\n";
  }
  return out.str();
}

nlohmann::ordered_json json_cell(const Cell& cell) {
  if (!cell.number) return cell.text;
  if (auto i = parse_int64(cell.text)) return *i;
  if (auto d = parse_double(cell.text); d && std::isfinite(*d)) return *d;
  return nullptr;  // NaN ("-") and infinities: JSON has no such numbers
}

std::string render_json(const std::vector<Table>& tables) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& table : tables) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& row : table.rows) {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (std::size_t c = 0; c < table.columns.size(); ++c) object[table.columns[c]] = json_cell(row[c]);
      rows.push_back(std::move(object));
    }
    out[table.name] = std::move(rows);
  }
  return out.dump(1) + "\n";
}

std::string markdown_text(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return out;
}

std::string render_markdown(const std::vector<Table>& tables) {
  std::ostringstream out;
  for (const auto& table : tables) {
    out << "## " << table.title << "\n\n";
    if (table.rows.empty()) {
      out << "(none)\n\n";
      continue;
    }
    out << "|";
    for (const auto& column : table.columns) out << " " << markdown_text(column) << " |";
    out << "\n|";
    for (std::size_t c = 0; c < table.columns.size(); ++c)
      out << (!table.rows.empty() && table.rows[0][c].number ? "---:|" : "---|");
    out << "\n";
    for (const auto& row : table.rows) {
      out << "|";
      for (const auto& cell : row) out << " " << markdown_text(cell.text) << " |";
      out << "\n";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

std::string render(const std::vector<Table>& tables, TableFormat format) {
  switch (format) {
    case TableFormat::text: return render_text(tables);
    case TableFormat::csv: return render_csv(tables);
    case TableFormat::json: return render_json(tables);
    case TableFormat::markdown: return render_markdown(tables);
  }
  return "";
}

}  // namespace trawl
