#include "spec/parse.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "core/text.hpp"
#include "spec/kinds.hpp"
#include "spec/metrics.hpp"
#include "spec/schema.hpp"
#include "spec/toml_parser.hpp"

namespace trawl {

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

namespace {

// Control characters shown as escapes, so a message stays on its line.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out;
}

}  // namespace

SweepSpec SweepParser::parse(const std::string& text) {
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
  excludes_ = exclude != nullptr;
  points_ = std::max<std::uint64_t>(1, spec_.seeds.size());
  if (grid) parse_grid(*grid);
  if (exclude) parse_exclusions(*exclude);
  check_prune();
  check_constraints();  // after the grid: an infer.batch_size axis adds metrics
  check_generation();
  check_tokenized_data();
  return std::move(spec_);
}

bool SweepParser::contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

SourcePos SweepParser::at(const toml::source_region& region) const {
  return SourcePos{spec_.path, static_cast<int>(region.begin.line),
                   static_cast<int>(region.begin.column)};
}

void SweepParser::fail(const SourcePos& pos, const std::string& message) const {
  throw input_error_at(pos, message);
}

// A table's entries in file order (toml++ keeps them sorted by name).
std::vector<std::pair<const toml::key*, const toml::node*>> SweepParser::ordered(const toml::table& t) {
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
Value SweepParser::scalar(const toml::node& node, const KeySpec& key, const std::string& what) const {
  ValueType want = *scalar_type(key.type);
  Value value;
  if (auto v = node.as_boolean()) value = v->get();
  else if (auto v = node.as_integer()) value = v->get();
  else if (auto v = node.as_floating_point()) value = v->get();
  else if (auto v = node.as_string()) value = v->get();
  else
    fail(at(node), what + " must be " + with_article(type_name(want)) + ", not " +
                       with_article(toml_type_name(node.type())));
  if (want == ValueType::real && type_of(value) == ValueType::integer)
    value = static_cast<double>(std::get<std::int64_t>(value));
  if (type_of(value) != want)
    fail(at(node), what + " must be " + with_article(type_name(want)) + ", not " +
                       with_article(type_name(type_of(value))) + " (" + to_string(value) + ")");
  check_choice(value, key, at(node), what);
  // The same rule the trainer applies, so no trial fails on it later.
  if (const std::string error = bounds_error(key, value); !error.empty()) fail(at(node), error);
  return value;
}

void SweepParser::check_choice(const Value& value, const KeySpec& key, const SourcePos& pos,
                  const std::string& what) const {
  if (key.choices.empty()) return;
  const std::string& text = std::get<std::string>(value);
  if (!contains(key.choices, text))
    fail(pos, what + " is '" + text + "'" + did_you_mean(text, key.choices) +
                  "; it must be one of: " + join(key.choices, ", "));
}

void SweepParser::parse_section(const std::string& section, const toml::node& node) {
  const toml::table* table = node.as_table();
  if (!table) fail(at(node), "'" + section + "' must be a table, e.g. [" + section + "]");
  for (const auto& [key_node, value] : ordered(*table)) {
    std::string key = section + "." + std::string(key_node->str());
    const KeySpec* spec = find_key(key);
    if (!spec && value->is_table() && !keys_of_section(key).empty()) {  // [model.lora], lora.rank = ...
      parse_section(key, *value);
      continue;
    }
    if (!spec)
      fail(at(*key_node), "unknown key '" + key + "'" + did_you_mean(key, keys_of_section(section)));
    if (spec->type == KeyType::integer_list || spec->type == KeyType::string_list) {
      parse_list(key, *spec, *value);
      continue;
    }
    if (value->is_table() || value->is_array())
      fail(at(*value), key + " must be " + with_article(key_type_name(spec->type)) + ", not " +
                           with_article(toml_type_name(value->type())) +
                           (value->is_array() ? " (to sweep it, put it under [grid])" : ""));
    spec_.settings[key] = Setting{scalar(*value, *spec, key), at(*value)};
  }
}

void SweepParser::parse_list(const std::string& key, const KeySpec& spec, const toml::node& node) {
  const toml::array* array = node.as_array();
  if (!array) fail(at(node), key + " must be " + with_article(key_type_name(spec.type)));
  explicit_lists_.emplace_back(key, at(node));
  for (const auto& element : *array) {
    if (spec.type == KeyType::integer_list) {
      auto v = element.as_integer();
      if (!v) fail(at(element), key + " must hold integers, not " + with_article(toml_type_name(element.type())));
      add_to_integer_list(key, v->get(), at(element));
    } else {
      auto v = element.as_string();
      if (!v) fail(at(element), key + " must hold strings, not " + with_article(toml_type_name(element.type())));
      if (key == "sweep.constraints") spec_.constraints.push_back(parse_constraint(v->get(), at(element)));
      else string_list(key).first.push_back(v->get());
    }
  }
  if (spec.type == KeyType::string_list && key != "sweep.constraints") string_list(key).second = at(node);
  if (key == "model.lora.targets" && array->empty())
    fail(at(node), key + " is empty: name the modules to adapt, or leave it out to adapt every linear projection");
  if (key == "sweep.seeds") {
    spec_.seeds_pos = at(node);
    if (spec_.seeds.empty()) fail(at(node), key + " is empty: give at least one seed");
  }
  if (key == "infer.batch_sizes") spec_.infer_batch_sizes_pos = at(node);
}

void SweepParser::add_to_integer_list(const std::string& key, std::int64_t value, const SourcePos& pos) {
  std::vector<std::int64_t>& list = key == "sweep.seeds" ? spec_.seeds : spec_.infer_batch_sizes;
  const char* what = key == "sweep.seeds" ? " lists seed " : " lists batch size ";
  if (std::find(list.begin(), list.end(), value) != list.end())
    fail(pos, key + what + std::to_string(value) + " twice");
  if (key == "infer.batch_sizes" && value < 1)
    fail(pos, key + " holds " + std::to_string(value) + ": a batch size is at least 1");
  list.push_back(value);
}

std::pair<std::vector<std::string>&, SourcePos&> SweepParser::string_list(const std::string& key) {
  if (key == "model.freeze") return {spec_.freeze, spec_.freeze_pos};
  if (key == "model.lora.targets") return {spec_.lora_targets, spec_.lora_targets_pos};
  return {spec_.prune_group_by, spec_.prune_group_by_pos};
}

const SourcePos* SweepParser::explicit_list(const std::string& key) const {
  for (const auto& [name, pos] : explicit_lists_)
    if (name == key) return &pos;
  return nullptr;
}

void SweepParser::fill_defaults() {
  auto& s = spec_.settings;
  for (const auto& key : known_keys()) {
    if (key.default_value && !s.count(key.key))
      s[key.key] = Setting{*key.default_value, SourcePos{spec_.path, 0, 0}};
  }
  check_data_and_model();
  if (!s.count("sweep.dir"))
    s["sweep.dir"] = Setting{Value("runs/" + spec_.string("sweep.name")), {}};

  // The metric must be one the task reports; the mode defaults from it.
  const std::string& metric = spec_.string("sweep.metric");
  std::vector<std::string> metrics = metric_names(spec_.string("data.task"));
  if (measured_after_training(metric))
    fail(spec_.pos("sweep.metric"), "sweep.metric is '" + metric +
                                        "', which is measured once, after training: rank trials by a metric of "
                                        "their eval points (" + join(metrics, ", ") +
                                        ") and bound this one with sweep.constraints");
  if (!contains(metrics, metric))
    fail(spec_.pos("sweep.metric"),
         "sweep.metric is '" + metric + "'" + did_you_mean(metric, metrics) + "; a " +
             spec_.string("data.task") + " task reports " + join(metrics, ", "));
  if (!s.count("sweep.mode"))
    s["sweep.mode"] = Setting{Value(std::string(mode_name(goal_of_metric(metric)))), {}};

  if (const SourcePos* seeds = explicit_list("sweep.seeds")) {
    if (spec_.pos("train.seed").known())
      fail(spec_.pos("train.seed"), "train.seed and sweep.seeds (at " + seeds->str() +
                                        ") are both set: give the seeds in one place");
  } else {
    spec_.seeds = {spec_.integer("train.seed")};
    spec_.seeds_pos = spec_.pos("train.seed");
  }
  check_names();
}

// sweep.name names Slurm jobs and reaches job scripts: a safe character set
// only. sweep.dir holds the results: never empty.
void SweepParser::check_names() const {
  const std::string& name = spec_.string("sweep.name");
  const bool safe = !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!safe)
    fail(spec_.pos("sweep.name"), "sweep.name may hold only letters, digits, '.', '_' and '-' (1 to 128 of them: "
                                  "it names the Slurm job), not \"" + printable(name) + "\"");
  if (spec_.string("sweep.dir").empty()) fail(spec_.pos("sweep.dir"), "sweep.dir must not be empty");
}

// Each constraint bounds a metric the sweep records (two-class metrics are
// checked against the data when it is read).
void SweepParser::check_constraints() const {
  const std::vector<std::string> metrics = sweep_metrics(spec_);
  for (const Constraint& c : spec_.constraints)
    if (!contains(metrics, c.metric))
      fail(c.pos, "sweep.constraints: '" + c.metric + "' is not a metric this sweep records" +
                      did_you_mean(c.metric, metrics) + "; it records " + join(metrics, ", "));
}

// Generated answers are scored against an SFT file's labelled answers;
// sampling settings without generation would be silently ignored.
void SweepParser::check_generation() const {
  if (!generates(spec_)) {
    for (const char* key : {"infer.temperature", "infer.top_k", "infer.top_p", "infer.seed"}) {
      const Axis* axis = spec_.find_axis(key);
      if (axis || spec_.pos(key).known())
        fail(axis ? axis->pos : spec_.pos(key), std::string(key) +
                                                   " only matters when answers are generated: set "
                                                   "infer.max_new_tokens (with SFT data) or leave it out");
    }
    return;
  }
  if (find_data_kind(spec_.string("data.kind"))->labelled_answers && spec_.string("data.task") == "lm") return;
  const Axis* axis = spec_.find_axis("infer.max_new_tokens");
  fail(axis ? axis->pos : spec_.pos("infer.max_new_tokens"),
       "infer.max_new_tokens generates answers, which are scored against the labelled answers of SFT data: it "
       "needs data.kind = \"sft\" with data.task = \"lm\" (and model.kind = \"causal_lm\"), not data.kind = \"" +
           spec_.string("data.kind") + "\" with data.task = \"" + spec_.string("data.task") + "\"");
}

// [prune] needs the dynamic schedule (paused trials must be taken up by
// whichever worker is free), a first rung below the steps, and cohorts named
// by grid axes. Keys that only matter to halving are refused without it.
void SweepParser::check_prune() const {
  const bool halving = spec_.string("prune.rule") == "halving";
  if (!halving) {
    for (const char* key : {"prune.min_steps", "prune.reduction"})
      if (spec_.pos(key).known())
        fail(spec_.pos(key), std::string(key) + " is set but prune.rule is \"none\": set prune.rule = \"halving\"");
    if (!spec_.prune_group_by.empty())
      fail(spec_.prune_group_by_pos, "prune.group_by is set but prune.rule is \"none\": set prune.rule = \"halving\"");
    return;
  }
  if (spec_.string("sweep.schedule") != "dynamic")
    fail(spec_.pos("prune.rule"), "prune.rule = \"halving\" needs sweep.schedule = \"dynamic\" (it is \"" +
                                      spec_.string("sweep.schedule") + "\"" +
                                      (spec_.pos("sweep.schedule").known() ? " at " + spec_.pos("sweep.schedule").str()
                                                                          : std::string(", the default")) +
                                      "): paused trials go on with whichever worker is free");
  const std::int64_t min_steps = spec_.integer("prune.min_steps");
  if (min_steps < 1)
    fail(spec_.pos("prune.min_steps").known() ? spec_.pos("prune.min_steps") : spec_.pos("prune.rule"),
         "prune.rule = \"halving\" needs prune.min_steps >= 1: the steps every trial trains before the first cut");
  std::int64_t steps = spec_.integer("train.steps");
  if (const Axis* axis = spec_.find_axis("train.steps"))
    for (const auto& v : axis->values) steps = std::max(steps, std::get<std::int64_t>(v));
  if (min_steps >= steps)
    fail(spec_.pos("prune.min_steps"), "prune.min_steps (" + std::to_string(min_steps) +
                                           ") must be below train.steps (" + std::to_string(steps) +
                                           "): no trial would reach a rung");
  const std::vector<std::string> axes = spec_.axis_names();
  for (const auto& name : axes)
    if (evaluation_only(name))
      fail(spec_.find_axis(name)->pos, "grid axis " + name + " is evaluation-only (its trials share one training "
                                       "run), which prune.rule = \"halving\" does not support: time these "
                                       "settings in a sweep without pruning");
  for (const auto& name : spec_.prune_group_by)
    if (!contains(axes, name))
      fail(spec_.prune_group_by_pos, "prune.group_by names '" + name + "', which is not a grid axis" +
                                         did_you_mean(name, axes) +
                                         (axes.empty() ? "; the grid has no axes" : "; axes are " + join(axes, ", ")));
}

SweepSpec parse_sweep_text(const std::string& text, const std::string& source_name,
                           const std::string& base_dir) {
  return SweepParser(source_name, base_dir).parse(text);
}

SweepSpec parse_sweep_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Never read what is not a plain file of sane size (/dev/zero, a FIFO, a
  // directory, a multi-GB file given by mistake).
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw InputError(path + ": no such sweep file");
  if (!fs::is_regular_file(status))
    throw InputError(path + ": a sweep file must be a regular file, not " +
                     (fs::is_directory(status) ? std::string("a directory") : std::string("a device, pipe or socket")));
  if (const auto size = fs::file_size(path, ec); !ec && size > max_sweep_file_bytes)
    throw InputError(path + ": " + std::to_string(size) + " bytes; a sweep file is at most " +
                     std::to_string(max_sweep_file_bytes) + " bytes");
  fs::path absolute = fs::absolute(path, ec);
  return parse_sweep_text(read_text_file(path, "the sweep file"), path, absolute.parent_path().string());
}

}  // namespace trawl
