// lib/spec (internal): the TOML walk behind parse_sweep_text, one class
// whose methods live in parse.cpp (sections, defaults) and parse_grid.cpp
// ([grid], zip groups, generators, [[exclude]]). Every check names
// file:line:col through at() and fail().
#pragma once

#include <toml++/toml.h>

#include <string>
#include <utility>
#include <vector>

#include "spec/schema.hpp"
#include "spec/sweep_spec.hpp"

namespace trawl {

// The longest axis a generator may make.
constexpr std::size_t max_axis_length = 1'000'000;

const char* toml_type_name(toml::node_type type);

class SweepParser {
 public:
  SweepParser(std::string file, std::string base_dir) {
    spec_.path = std::move(file);
    spec_.base_dir = std::move(base_dir);
  }

  SweepSpec parse(const std::string& text);

 private:
  SweepSpec spec_;
  std::vector<std::pair<std::string, SourcePos>> explicit_lists_;
  // The grid's points so far (seeds x each dimension's length), checked as
  // each axis comes so no further axis is made past the limit; with
  // exclusions, which may drop points, only 2^62 bounds it here.
  std::uint64_t points_ = 1;
  bool excludes_ = false;

  static bool contains(const std::vector<std::string>& list, const std::string& item);

  SourcePos at(const toml::source_region& region) const;
  SourcePos at(const toml::node& node) const { return at(node.source()); }
  SourcePos at(const toml::key& key) const { return at(key.source()); }

  [[noreturn]] void fail(const SourcePos& pos, const std::string& message) const;

  // A table's entries in file order (toml++ keeps them sorted by name).
  static std::vector<std::pair<const toml::key*, const toml::node*>> ordered(const toml::table& t);

  // One TOML scalar as a value of the key's type. An integer is accepted
  // where a float is wanted; nothing else is converted.
  Value scalar(const toml::node& node, const KeySpec& key, const std::string& what) const;

  void check_choice(const Value& value, const KeySpec& key, const SourcePos& pos,
                    const std::string& what) const;

  void parse_section(const std::string& section, const toml::node& node);

  void parse_list(const std::string& key, const KeySpec& spec, const toml::node& node);

  // sweep.seeds or infer.batch_sizes: distinct values, batch sizes at least 1.
  void add_to_integer_list(const std::string& key, std::int64_t value, const SourcePos& pos);
  // The string list a list key fills, and where the file gives it.
  std::pair<std::vector<std::string>&, SourcePos&> string_list(const std::string& key);

  const SourcePos* explicit_list(const std::string& key) const;

  SourcePos file_start() const { return SourcePos{spec_.path, 1, 1}; }

  void fill_defaults();
  void check_data_and_model();
  void check_tokenized_data() const;
  void check_names() const;
  void check_prune() const;
  void check_constraints() const;
  void check_generation() const;

  // ---- [grid] -------------------------------------------------------------

  struct Leaf {
    std::string key;
    const toml::node* node;
    SourcePos pos;
  };

  static const char* generator_name(const toml::table& table);

  // Dotted keys make nested tables; an axis is an array or a generator.
  void collect_axes(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out);

  const KeySpec& sweepable_key(const Leaf& leaf) const;

  Axis make_axis(const Leaf& leaf);

  double number(const toml::node& node, const std::string& what) const;

  std::vector<Value> generate(const Leaf& leaf, const KeySpec& key, const toml::table& table);

  void parse_grid(const toml::node& node);

  void parse_zip_groups(const toml::node& node);

  void add_dimension(Dimension dim);

  // ---- [[exclude]] --------------------------------------------------------

  void collect_values(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out);

  void parse_exclusions(const toml::node& node);
};

}  // namespace trawl
