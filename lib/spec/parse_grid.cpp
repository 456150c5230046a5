// The [grid] and [[exclude]] parts of the sweep-file parser.
#include <algorithm>
#include <cmath>

#include "core/arith.hpp"
#include "core/text.hpp"
#include "spec/toml_parser.hpp"

namespace trawl {

const char* SweepParser::generator_name(const toml::table& table) {
  for (const char* name : {"range", "linspace", "logspace"})
    if (table.contains(name)) return name;
  return nullptr;
}

// Dotted keys make nested tables; an axis is an array or a generator.
void SweepParser::collect_axes(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
  for (const auto& [key_node, node] : ordered(table)) {
    std::string key = prefix.empty() ? std::string(key_node->str())
                                     : prefix + "." + std::string(key_node->str());
    const toml::table* sub = node->as_table();
    if (sub && !generator_name(*sub)) {
      collect_axes(*sub, key, out);
    } else {
      out.push_back(Leaf{key, node, at(*key_node)});
    }
  }
}

const KeySpec& SweepParser::sweepable_key(const Leaf& leaf) const {
  const KeySpec* spec = find_key(leaf.key);
  if (!spec)
    fail(leaf.pos, "grid axis '" + leaf.key + "' names no known key" +
                       did_you_mean(leaf.key, sweepable_keys()));
  if (!spec->sweepable)
    fail(leaf.pos, "'" + leaf.key + "' cannot be a grid axis; sweepable keys are " +
                       join(sweepable_keys(), ", "));
  return *spec;
}

Axis SweepParser::make_axis(const Leaf& leaf) {
  const KeySpec& key = sweepable_key(leaf);
  Axis axis{leaf.key, {}, leaf.pos};
  if (const toml::array* array = leaf.node->as_array()) {
    for (const auto& element : *array) {
      Value v = scalar(element, key, "a value of grid axis " + leaf.key);
      for (const auto& existing : axis.values)
        if (same_value(existing, v))
          fail(at(element), "grid axis " + leaf.key + " lists " + to_string(v) + " twice");
      axis.values.push_back(std::move(v));
    }
  } else if (const toml::table* table = leaf.node->as_table()) {
    axis.values = generate(leaf, key, *table);
  } else {
    fail(at(*leaf.node), "grid axis " + leaf.key + " must be a list of values or a table like " +
                             "{range = [start, stop, step]}, {linspace = [a, b, n]}, " +
                             "{logspace = [a, b, n]}; got " + with_article(toml_type_name(leaf.node->type())));
  }
  if (axis.values.empty()) fail(at(*leaf.node), "grid axis " + leaf.key + " has no values");
  return axis;
}

double SweepParser::number(const toml::node& node, const std::string& what) const {
  if (auto v = node.as_integer()) return static_cast<double>(v->get());
  if (auto v = node.as_floating_point()) return v->get();
  fail(at(node), what + " must be a number, not " + with_article(toml_type_name(node.type())));
}

std::vector<Value> SweepParser::generate(const Leaf& leaf, const KeySpec& key, const toml::table& table) {
  const char* name = generator_name(table);
  if (table.size() != 1)
    fail(at(*leaf.node), "grid axis " + leaf.key + ": a " + name + " table holds only '" + name + "'");
  const toml::node& args_node = *table.get(name);
  const toml::array* args = args_node.as_array();
  std::string what = leaf.key + " " + name;
  ValueType want = *scalar_type(key.type);
  if (want != ValueType::integer && want != ValueType::real)
    fail(at(args_node), what + ": " + leaf.key + " is a " + type_name(want) +
                            " key; generators make numbers, so list its values instead");
  std::string shape = std::string(name) == "range" ? "[start, stop, step]" : "[a, b, n]";
  if (!args || args->size() < 2 || args->size() > 3 || (std::string(name) != "range" && args->size() != 3))
    fail(at(args_node), what + " must be " + shape);

  std::vector<double> values;
  if (std::string(name) == "range") {
    bool all_integers = true;
    for (const auto& a : *args) all_integers = all_integers && a.is_integer();
    double start = number(*args->get(0), what + " start");
    double stop = number(*args->get(1), what + " stop");
    double step = args->size() == 3 ? number(*args->get(2), what + " step") : 1.0;
    if (step == 0) fail(at(args_node), what + ": step must not be 0");
    if (want == ValueType::integer && !all_integers)
      fail(at(args_node), what + ": " + leaf.key + " is an integer key, so start, stop and step must be integers");
    double count = std::ceil((stop - start) / step);
    if (count > static_cast<double>(max_axis_length))
      fail(at(args_node), what + " has more than " + std::to_string(max_axis_length) + " values");
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(count); ++i)
      values.push_back(start + static_cast<double>(i) * step);
  } else {
    double a = number(*args->get(0), what + " a");
    double b = number(*args->get(1), what + " b");
    const toml::node& n_node = *args->get(2);
    auto n = n_node.as_integer();
    if (!n || n->get() < 1) fail(at(n_node), what + ": n must be a positive integer");
    if (n->get() > static_cast<std::int64_t>(max_axis_length))
      fail(at(n_node), what + " has more than " + std::to_string(max_axis_length) + " values");
    bool log = std::string(name) == "logspace";
    if (log && (a <= 0 || b <= 0))
      fail(at(args_node), what + ": a and b must be positive (they are the first and last values)");
    for (std::int64_t i = 0; i < n->get(); ++i) {
      double t = n->get() == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n->get() - 1);
      values.push_back(log ? a * std::pow(b / a, t) : a + (b - a) * t);
    }
    if (n->get() > 1) values.back() = b;  // exact end point, whatever the rounding
  }

  std::vector<Value> out;
  for (double v : values) {
    if (want == ValueType::real) {
      out.emplace_back(v);
      continue;
    }
    double rounded = std::round(v);
    if (std::fabs(v - rounded) > 1e-9 * std::max(1.0, std::fabs(v)))
      fail(at(args_node), what + " gives " + format_double(v) + ", but " + leaf.key +
                              " is an integer key");
    out.emplace_back(static_cast<std::int64_t>(rounded));
  }
  for (const Value& v : out)
    if (const std::string error = bounds_error(key, v); !error.empty())
      fail(at(args_node), what + " gives " + to_string(v) + ": " + error);
  for (std::size_t i = 1; i < out.size(); ++i)
    if (same_value(out[i - 1], out[i]))
      fail(at(args_node), what + " gives " + to_string(out[i]) + " twice");
  return out;
}

void SweepParser::parse_grid(const toml::node& node) {
  const toml::table* grid = node.as_table();
  if (!grid) fail(at(node), "'grid' must be a table, e.g. [grid]");
  std::vector<Leaf> singles;
  for (const auto& [key_node, child] : ordered(*grid)) {
    if (key_node->str() == "zip") {
      parse_zip_groups(*child);
    } else if (const toml::table* t = child->as_table(); t && !generator_name(*t)) {
      collect_axes(*t, std::string(key_node->str()), singles);
    } else {
      singles.push_back(Leaf{std::string(key_node->str()), child, at(*key_node)});
    }
  }
  for (const auto& leaf : singles) {
    Axis axis = make_axis(leaf);
    add_dimension(Dimension{axis.key, {axis}, leaf.pos});
  }
  // File order: dimensions sort by where their first axis is written.
  std::stable_sort(spec_.dimensions.begin(), spec_.dimensions.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.pos.line, a.pos.column) < std::make_pair(b.pos.line, b.pos.column);
  });
}

void SweepParser::parse_zip_groups(const toml::node& node) {
  const toml::table* zip = node.as_table();
  if (!zip) fail(at(node), "grid.zip must hold tables, e.g. [grid.zip.arch]");
  for (const auto& [name_node, group_node] : ordered(*zip)) {
    std::string name(name_node->str());
    const toml::table* group = group_node->as_table();
    if (!group || generator_name(*group))
      fail(at(*name_node), "grid.zip." + name + " must be a table of axes, e.g. [grid.zip." + name + "]");
    std::vector<Leaf> leaves;
    collect_axes(*group, "", leaves);
    if (leaves.empty()) fail(at(*name_node), "zip group '" + name + "' has no axes");
    Dimension dim{"zip." + name, {}, leaves.front().pos};
    for (const auto& leaf : leaves) {
      dim.axes.push_back(make_axis(leaf));
      if (dim.axes.back().values.size() != dim.axes.front().values.size())
        fail(leaf.pos, "zip group '" + name + "': axis " + leaf.key + " has " +
                           std::to_string(dim.axes.back().values.size()) + " values but " +
                           dim.axes.front().key + " has " +
                           std::to_string(dim.axes.front().values.size()) +
                           "; zipped axes advance together and need equal lengths");
    }
    add_dimension(std::move(dim));
  }
}

void SweepParser::add_dimension(Dimension dim) {
  for (const auto& axis : dim.axes)
    if (const Axis* other = spec_.find_axis(axis.key))
      fail(axis.pos, "grid axis " + axis.key + " is already swept at " + other->pos.str());
  const std::uint64_t limit = excludes_ ? std::uint64_t{1} << 62 : static_cast<std::uint64_t>(max_trials_per_sweep);
  const auto points = checked_mul<std::uint64_t>(points_, dim.axes.front().values.size());
  if (!points || *points > limit)
    fail(dim.pos, "with " + dim.name + " (" + std::to_string(dim.axes.front().values.size()) +
                      " values) the grid has more than " + std::to_string(limit) + " points" +
                      (excludes_ ? "" : "; a sweep holds at most " + std::to_string(max_trials_per_sweep) +
                                            " trials (each has a row in results.h5): narrow an axis or split the sweep"));
  points_ = *points;
  spec_.dimensions.push_back(std::move(dim));
}

void SweepParser::collect_values(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
  for (const auto& [key_node, node] : ordered(table)) {
    std::string key = prefix.empty() ? std::string(key_node->str())
                                     : prefix + "." + std::string(key_node->str());
    if (const toml::table* sub = node->as_table()) collect_values(*sub, key, out);
    else out.push_back(Leaf{key, node, at(*key_node)});
  }
}

void SweepParser::parse_exclusions(const toml::node& node) {
  const toml::array* list = node.as_array();
  if (!list || !list->is_array_of_tables())
    fail(at(node), "'exclude' must be written as [[exclude]] tables of axis = value pairs");
  for (const auto& element : *list) {
    const toml::table& table = *element.as_table();
    std::vector<Leaf> leaves;
    collect_values(table, "", leaves);
    Exclusion exclusion{{}, at(element)};
    if (leaves.empty()) fail(at(element), "an [[exclude]] table is empty; it would drop every trial");
    for (const auto& leaf : leaves) {
      const Axis* axis = spec_.find_axis(leaf.key);
      if (!axis)
        fail(leaf.pos, "exclusion names '" + leaf.key + "', which is not a grid axis" +
                           did_you_mean(leaf.key, spec_.axis_names()) + "; grid axes are " +
                           (spec_.axis_names().empty() ? std::string("(none)") : join(spec_.axis_names(), ", ")));
      std::vector<Value> values;
      auto add = [&](const toml::node& v) {
        const KeySpec& key = *find_key(leaf.key);
        Value value = scalar(v, key, "exclusion value for " + leaf.key);
        bool on_axis = std::any_of(axis->values.begin(), axis->values.end(),
                                   [&](const Value& x) { return same_value(x, value); });
        if (!on_axis) {
          std::vector<std::string> listed;
          for (const auto& x : axis->values) listed.push_back(to_string(x));
          if (listed.size() > 12) listed.resize(12), listed.push_back("...");
          fail(at(v), "exclusion value " + to_string(value) + " is not on grid axis " + leaf.key +
                          " (its values: " + join(listed, ", ") + ")");
        }
        values.push_back(std::move(value));
      };
      if (const toml::array* any_of = leaf.node->as_array()) {
        for (const auto& v : *any_of) add(v);
        if (values.empty()) fail(leaf.pos, "exclusion list for " + leaf.key + " is empty");
      } else {
        add(*leaf.node);
      }
      exclusion.match.emplace_back(leaf.key, std::move(values));
    }
    spec_.exclusions.push_back(std::move(exclusion));
  }
}

}  // namespace trawl
