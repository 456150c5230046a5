#include "spec/parse.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "core/text.hpp"
#include "spec/metrics.hpp"
#include "spec/schema.hpp"

namespace trawl {

namespace {

constexpr std::size_t max_axis_length = 10'000'000;

const char* toml_type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    default: return "date/time";
  }
}

class Parser {
 public:
  Parser(std::string file, std::string base_dir) {
    spec_.path = std::move(file);
    spec_.base_dir = std::move(base_dir);
  }

  SweepSpec parse(const std::string& text) {
    spec_.text = text;
    toml::table root;
    try {
      root = toml::parse(text, spec_.path);
    } catch (const toml::parse_error& e) {
      throw input_error_at(at(e.source()), std::string(e.description()));
    }
    const toml::node* grid = nullptr;
    const toml::node* exclude = nullptr;
    for (const auto& [key, node] : ordered(root)) {
      const std::string name(key->str());
      if (name == "grid") {
        grid = node;
      } else if (name == "exclude") {
        exclude = node;
      } else if (contains(known_sections(), name)) {
        parse_section(name, *node);
      } else {
        std::vector<std::string> sections = known_sections();
        sections.push_back("grid");
        sections.push_back("exclude");
        fail(at(*key), "unknown section '" + name + "'" + did_you_mean(name, sections) +
                           "; sections are " + join(sections, ", "));
      }
    }
    fill_defaults();
    if (grid) parse_grid(*grid);
    if (exclude) parse_exclusions(*exclude);
    return std::move(spec_);
  }

 private:
  SweepSpec spec_;
  std::vector<std::pair<std::string, SourcePos>> explicit_lists_;

  static bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  }

  SourcePos at(const toml::source_region& region) const {
    return SourcePos{spec_.path, static_cast<int>(region.begin.line),
                     static_cast<int>(region.begin.column)};
  }
  SourcePos at(const toml::node& node) const { return at(node.source()); }
  SourcePos at(const toml::key& key) const { return at(key.source()); }

  [[noreturn]] void fail(const SourcePos& pos, const std::string& message) const {
    throw input_error_at(pos, message);
  }

  // A table's entries in file order (toml++ keeps them sorted by name).
  static std::vector<std::pair<const toml::key*, const toml::node*>> ordered(const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> entries;
    for (const auto& [key, node] : t) entries.emplace_back(&key, &node);
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      const auto& x = a.first->source().begin;
      const auto& y = b.first->source().begin;
      return std::make_pair(x.line, x.column) < std::make_pair(y.line, y.column);
    });
    return entries;
  }

  // One TOML scalar as a value of the key's type. An integer is accepted
  // where a float is wanted; nothing else is converted.
  Value scalar(const toml::node& node, const KeySpec& key, const std::string& what) const {
    ValueType want = *scalar_type(key.type);
    Value value;
    if (auto v = node.as_boolean()) value = v->get();
    else if (auto v = node.as_integer()) value = v->get();
    else if (auto v = node.as_floating_point()) value = v->get();
    else if (auto v = node.as_string()) value = v->get();
    else
      fail(at(node), what + " must be a " + type_name(want) + ", not a " +
                         toml_type_name(node.type()));
    if (want == ValueType::real && type_of(value) == ValueType::integer)
      value = static_cast<double>(std::get<std::int64_t>(value));
    if (type_of(value) != want)
      fail(at(node), what + " must be a " + type_name(want) + ", not a " +
                         type_name(type_of(value)) + " (" + to_string(value) + ")");
    check_choice(value, key, at(node), what);
    return value;
  }

  void check_choice(const Value& value, const KeySpec& key, const SourcePos& pos,
                    const std::string& what) const {
    if (key.choices.empty()) return;
    const std::string& text = std::get<std::string>(value);
    if (!contains(key.choices, text))
      fail(pos, what + " is '" + text + "'" + did_you_mean(text, key.choices) +
                    "; it must be one of: " + join(key.choices, ", "));
  }

  void parse_section(const std::string& section, const toml::node& node) {
    const toml::table* table = node.as_table();
    if (!table) fail(at(node), "'" + section + "' must be a table, e.g. [" + section + "]");
    for (const auto& [key_node, value] : ordered(*table)) {
      std::string key = section + "." + std::string(key_node->str());
      const KeySpec* spec = find_key(key);
      if (!spec)
        fail(at(*key_node), "unknown key '" + key + "'" + did_you_mean(key, keys_of_section(section)));
      if (spec->type == KeyType::integer_list || spec->type == KeyType::string_list) {
        parse_list(key, *spec, *value);
        continue;
      }
      if (value->is_table() || value->is_array())
        fail(at(*value), key + " must be a " + key_type_name(spec->type) + ", not a " +
                             toml_type_name(value->type()) +
                             (value->is_array() ? " (to sweep it, put it under [grid])" : ""));
      spec_.settings[key] = Setting{scalar(*value, *spec, key), at(*value)};
    }
  }

  void parse_list(const std::string& key, const KeySpec& spec, const toml::node& node) {
    const toml::array* array = node.as_array();
    if (!array) fail(at(node), key + " must be a " + key_type_name(spec.type));
    explicit_lists_.emplace_back(key, at(node));
    for (const auto& element : *array) {
      if (spec.type == KeyType::integer_list) {
        auto v = element.as_integer();
        if (!v) fail(at(element), key + " must hold integers, not a " + toml_type_name(element.type()));
        if (contains_seed(v->get())) fail(at(element), key + " lists seed " + std::to_string(v->get()) + " twice");
        spec_.seeds.push_back(v->get());
      } else {
        auto v = element.as_string();
        if (!v) fail(at(element), key + " must hold strings, not a " + toml_type_name(element.type()));
        spec_.freeze.push_back(v->get());
      }
    }
    if (spec.type == KeyType::integer_list) {
      spec_.seeds_pos = at(node);
      if (spec_.seeds.empty()) fail(at(node), key + " is empty: give at least one seed");
    }
  }

  bool contains_seed(std::int64_t seed) const {
    return std::find(spec_.seeds.begin(), spec_.seeds.end(), seed) != spec_.seeds.end();
  }

  const SourcePos* explicit_list(const std::string& key) const {
    for (const auto& [name, pos] : explicit_lists_)
      if (name == key) return &pos;
    return nullptr;
  }

  SourcePos file_start() const { return SourcePos{spec_.path, 1, 1}; }

  void fill_defaults() {
    auto& s = spec_.settings;
    for (const auto& key : known_keys()) {
      if (key.default_value && !s.count(key.key))
        s[key.key] = Setting{*key.default_value, SourcePos{spec_.path, 0, 0}};
    }
    const bool text = spec_.string("data.kind") == "text";
    if (!s.count("data.task")) s["data.task"] = Setting{Value(std::string(text ? "lm" : "classification")), {}};
    const std::string& task = spec_.string("data.task");
    if (text != (task == "lm"))
      fail(spec_.pos("data.task"), text ? "data.kind = \"text\" trains a language model: data.task must be \"lm\""
                                        : "data.task = \"lm\" needs data.kind = \"text\"");
    if (text) {
      for (const char* key : {"data.train_file", "data.val_file"})
        if (!s.count(key)) fail(file_start(), std::string(key) + " is required for data.kind = \"text\"");
    } else if (!s.count("data.path")) {
      fail(file_start(), "data.path is required: the HDF5 file with the training data");
    }
    for (const char* key : {"data.path", "data.train_file", "data.val_file"})
      if (!s.count(key)) s[key] = Setting{Value(std::string()), {}};
    const std::string& model = spec_.string("model.kind");
    if (model == "gpt" && !text)
      fail(spec_.pos("model.kind"), "model.kind = \"gpt\" is a language model: it needs data.kind = \"text\"");
    if (model == "mlp" && text)
      fail(spec_.pos("model.kind"), "model.kind = \"mlp\" needs tabular data (data.kind = \"hdf5\")");
    if (model == "torchscript" && spec_.string("model.path").empty())
      fail(spec_.pos("model.kind"), "model.kind = \"torchscript\" needs model.path: a module saved with torch.jit.save");
    if (!s.count("sweep.dir"))
      s["sweep.dir"] = Setting{Value("runs/" + spec_.string("sweep.name")), {}};

    // The metric must be one the task reports; the mode defaults from it.
    const std::string& metric = spec_.string("sweep.metric");
    std::vector<std::string> metrics = metric_names(spec_.string("data.task"));
    if (!contains(metrics, metric))
      fail(spec_.pos("sweep.metric"),
           "sweep.metric is '" + metric + "'" + did_you_mean(metric, metrics) + "; a " +
               spec_.string("data.task") + " task reports " + join(metrics, ", "));
    if (!s.count("sweep.mode"))
      s["sweep.mode"] = Setting{Value(std::string(higher_is_better(metric) ? "max" : "min")), {}};

    if (const SourcePos* seeds = explicit_list("sweep.seeds")) {
      if (spec_.pos("train.seed").known())
        fail(spec_.pos("train.seed"), "train.seed and sweep.seeds (at " + seeds->str() +
                                          ") are both set: give the seeds in one place");
    } else {
      spec_.seeds = {spec_.integer("train.seed")};
      spec_.seeds_pos = spec_.pos("train.seed");
    }
    if (spec_.integer("sweep.ranks_per_trial") < 1)
      fail(spec_.pos("sweep.ranks_per_trial"), "sweep.ranks_per_trial must be at least 1");
  }

  // ---- [grid] -------------------------------------------------------------

  struct Leaf {
    std::string key;
    const toml::node* node;
    SourcePos pos;
  };

  static const char* generator_name(const toml::table& table) {
    for (const char* name : {"range", "linspace", "logspace"})
      if (table.contains(name)) return name;
    return nullptr;
  }

  // Dotted keys make nested tables; an axis is an array or a generator.
  void collect_axes(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
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

  const KeySpec& sweepable_key(const Leaf& leaf) const {
    const KeySpec* spec = find_key(leaf.key);
    if (!spec)
      fail(leaf.pos, "grid axis '" + leaf.key + "' names no known key" +
                         did_you_mean(leaf.key, sweepable_keys()));
    if (!spec->sweepable)
      fail(leaf.pos, "'" + leaf.key + "' cannot be a grid axis; sweepable keys are " +
                         join(sweepable_keys(), ", "));
    return *spec;
  }

  Axis make_axis(const Leaf& leaf) {
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
                               "{logspace = [a, b, n]}; got a " + toml_type_name(leaf.node->type()));
    }
    if (axis.values.empty()) fail(at(*leaf.node), "grid axis " + leaf.key + " has no values");
    return axis;
  }

  double number(const toml::node& node, const std::string& what) const {
    if (auto v = node.as_integer()) return static_cast<double>(v->get());
    if (auto v = node.as_floating_point()) return v->get();
    fail(at(node), what + " must be a number, not a " + toml_type_name(node.type()));
  }

  std::vector<Value> generate(const Leaf& leaf, const KeySpec& key, const toml::table& table) {
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
    for (std::size_t i = 1; i < out.size(); ++i)
      if (same_value(out[i - 1], out[i]))
        fail(at(args_node), what + " gives " + to_string(out[i]) + " twice");
    return out;
  }

  void parse_grid(const toml::node& node) {
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

  void parse_zip_groups(const toml::node& node) {
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

  void add_dimension(Dimension dim) {
    for (const auto& axis : dim.axes)
      if (const Axis* other = spec_.find_axis(axis.key))
        fail(axis.pos, "grid axis " + axis.key + " is already swept at " + other->pos.str());
    spec_.dimensions.push_back(std::move(dim));
  }

  // ---- [[exclude]] --------------------------------------------------------

  void collect_values(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
    for (const auto& [key_node, node] : ordered(table)) {
      std::string key = prefix.empty() ? std::string(key_node->str())
                                       : prefix + "." + std::string(key_node->str());
      if (const toml::table* sub = node->as_table()) collect_values(*sub, key, out);
      else out.push_back(Leaf{key, node, at(*key_node)});
    }
  }

  void parse_exclusions(const toml::node& node) {
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
};

}  // namespace

SweepSpec parse_sweep_text(const std::string& text, const std::string& source_name,
                           const std::string& base_dir) {
  return Parser(source_name, base_dir).parse(text);
}

SweepSpec parse_sweep_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return parse_sweep_text(read_text_file(path, "the sweep file"), path, absolute.parent_path().string());
}

}  // namespace trawl
