#include "spec/schema.hpp"

#include <algorithm>
#include <cmath>

#include "core/text.hpp"
#include "spec/kinds.hpp"
#include "spec/metrics.hpp"

namespace trawl {

namespace {

KeySpec key(std::string name, KeyType type, std::optional<Value> def, bool sweepable,
            std::vector<std::string> choices = {}, Bounds bounds = {}) {
  return KeySpec{std::move(name), type, std::move(def), std::move(choices), sweepable, bounds};
}

// A key added after 0.2 (KeySpec::added_in).
KeySpec added_in(const char* version, KeySpec spec) {
  spec.added_in = version;
  return spec;
}

// A key that does not change what a trial computes (KeySpec::affects_results).
KeySpec neutral(KeySpec spec) {
  spec.affects_results = false;
  return spec;
}

// The usual rules.
const Bounds at_least_0{0.0, std::nullopt};
const Bounds at_least_1{1.0, std::nullopt};
const Bounds positive{0.0, std::nullopt, true};
const Bounds unit_open{0.0, 1.0, false, true};  // [0, 1)
const Bounds unit{0.0, 1.0};                    // [0, 1]

using K = KeyType;
using I = std::int64_t;

std::vector<KeySpec> sweep_keys() {
  return {
      neutral(key("sweep.name", K::string, Value(std::string("sweep")), false)),
      neutral(key("sweep.dir", K::string, std::nullopt, false)),
      key("sweep.metric", K::string, Value(std::string("val.loss")), false),
      key("sweep.mode", K::string, std::nullopt, false, {"min", "max"}),
      key("sweep.seeds", K::integer_list, std::nullopt, false),
      key("sweep.ranks_per_trial", K::integer, Value(I{1}), false, {}, at_least_1),
      neutral(key("sweep.schedule", K::string, Value(std::string("static")), false, {"static", "dynamic"})),
      neutral(key("sweep.lease_seconds", K::real, Value(300.0), false, {}, at_least_1)),
      key("sweep.constraints", K::string_list, std::nullopt, false),
  };
}

std::vector<KeySpec> model_keys() {
  return {
      key("model.kind", K::string, Value(std::string("mlp")), false, model_kind_names()),
      key("model.path", K::string, Value(std::string("")), false),
      key("model.hidden", K::integer, Value(I{64}), true, {}, at_least_1),
      key("model.layers", K::integer, Value(I{2}), true, {}, at_least_0),
      key("model.dropout", K::real, Value(0.0), true, {}, unit_open),
      key("model.activation", K::string, Value(std::string("relu")), true, {"relu", "gelu", "tanh"}),
      key("model.d_model", K::integer, Value(I{64}), true, {}, at_least_1),
      key("model.heads", K::integer, Value(I{4}), true, {}, at_least_1),
      key("model.seq_len", K::integer, Value(I{64}), true, {}, at_least_1),
      key("model.init", K::string, Value(std::string("")), true),
      key("model.freeze", K::string_list, std::nullopt, false),
      added_in("0.3", key("model.lora.rank", K::integer, Value(I{8}), true, {}, at_least_0)),
      added_in("0.3", key("model.lora.alpha", K::real, Value(16.0), true, {}, positive)),
      added_in("0.3", key("model.lora.dropout", K::real, Value(0.0), true, {}, unit_open)),
      key("model.lora.targets", K::string_list, std::nullopt, false),
      added_in("0.3", key("model.num_labels", K::integer, Value(I{0}), false, {}, at_least_0)),
  };
}

std::vector<KeySpec> data_keys() {
  return {
      key("data.kind", K::string, Value(std::string("hdf5")), false, data_kind_names()),
      key("data.path", K::string, std::nullopt, false),
      key("data.train_file", K::string, std::nullopt, false),
      key("data.val_file", K::string, std::nullopt, false),
      added_in("0.3", key("data.tokenizer", K::string, Value(std::string()), false)),
      key("data.train_x", K::string, Value(std::string("train/x")), false),
      key("data.train_y", K::string, Value(std::string("train/y")), false),
      key("data.val_x", K::string, Value(std::string("val/x")), false),
      key("data.val_y", K::string, Value(std::string("val/y")), false),
      key("data.task", K::string, std::nullopt, false, task_names()),
      key("data.shuffle", K::boolean, Value(true), false),
      added_in("0.3", key("data.chat_template", K::string, Value(std::string()), false)),
      added_in("0.3", key("data.train_on", K::string, Value(std::string("assistant")), false, {"assistant", "all"})),
      added_in("0.3", key("data.packing", K::boolean, Value(false), false)),
  };
}

std::vector<KeySpec> train_keys() {
  return {
      key("train.steps", K::integer, Value(I{1000}), true, {}, at_least_1),
      key("train.batch_size", K::integer, Value(I{32}), true, {}, at_least_1),
      key("train.lr", K::real, Value(1e-3), true, {}, positive),
      key("train.optimizer", K::string, Value(std::string("adamw")), true, {"adamw", "sgd"}),
      key("train.momentum", K::real, Value(0.9), true, {}, unit_open),
      key("train.beta1", K::real, Value(0.9), true, {}, unit_open),
      key("train.beta2", K::real, Value(0.999), true, {}, unit_open),
      key("train.eps", K::real, Value(1e-8), true, {}, positive),
      key("train.weight_decay", K::real, Value(0.0), true, {}, at_least_0),
      key("train.warmup_steps", K::integer, Value(I{0}), true, {}, at_least_0),
      key("train.schedule", K::string, Value(std::string("cosine")), true, {"cosine", "constant"}),
      key("train.min_lr_ratio", K::real, Value(0.0), true, {}, unit),
      key("train.grad_clip", K::real, Value(0.0), true, {}, at_least_0),
      key("train.eval_every", K::integer, Value(I{100}), true, {}, at_least_1),
      key("train.eval_batch_size", K::integer, Value(I{1024}), false, {}, at_least_1),
      key("train.grad_accum", K::integer, Value(I{1}), true, {}, at_least_1),
      key("train.label_smoothing", K::real, Value(0.0), true, {}, unit_open),
      neutral(key("train.bucket_mb", K::real, Value(25.0), false, {}, positive)),
      key("train.device", K::string, Value(std::string("auto")), false, {"auto", "cpu", "cuda"}),
      key("train.precision", K::string, Value(std::string("fp32")), true, {"fp32", "bf16"}),
      key("train.seed", K::integer, Value(I{0}), false),
      added_in("0.3", key("train.eval_at_start", K::boolean, Value(false), false)),
      added_in("0.3", key("train.activation_checkpointing", K::boolean, Value(false), false)),
      neutral(key("train.threads", K::integer, Value(I{0}), false, {}, at_least_0)),
      added_in("0.3", key("train.patience", K::integer, Value(I{0}), true, {}, at_least_0)),
      added_in("0.3", key("train.min_delta", K::real, Value(0.0), true, {}, at_least_0)),
  };
}

std::vector<KeySpec> prune_keys() {
  return {
      added_in("0.3",
               key("prune.rule", K::string, Value(std::string("none")), false, {"none", "halving"})),
      added_in("0.3", key("prune.min_steps", K::integer, Value(I{0}), false, {}, at_least_0)),
      added_in("0.3",
               key("prune.reduction", K::integer, Value(I{3}), false, {}, Bounds{2.0, std::nullopt})),
      key("prune.group_by", K::string_list, std::nullopt, false),
  };
}

std::vector<KeySpec> infer_keys() {
  return {
      // Evaluation-only: trials that differ only in infer.* share one training run.
      key("infer.batch_sizes", K::integer_list, std::nullopt, false),
      added_in("0.3", key("infer.batch_size", K::integer, Value(I{0}), true, {}, at_least_0)),
      added_in("0.3", key("infer.warmup", K::integer, Value(I{3}), true, {}, at_least_0)),
      added_in("0.3", key("infer.iterations", K::integer, Value(I{20}), true, {}, at_least_1)),
      added_in("0.3", key("infer.max_new_tokens", K::integer, Value(I{0}), true, {}, at_least_0)),
      added_in("0.3", key("infer.temperature", K::real, Value(0.0), true, {}, at_least_0)),
      added_in("0.3", key("infer.top_k", K::integer, Value(I{0}), true, {}, at_least_0)),
      added_in("0.3", key("infer.top_p", K::real, Value(1.0), true, {}, Bounds{0.0, 1.0, true, false})),
      added_in("0.3", key("infer.seed", K::integer, Value(I{0}), true)),
  };
}

std::vector<KeySpec> checkpoint_keys() {
  return {
      neutral(key("checkpoint.every_steps", K::integer, Value(I{0}), false, {}, at_least_0)),
      neutral(key("checkpoint.every_seconds", K::real, Value(300.0), false, {}, at_least_0)),
      neutral(key("checkpoint.keep", K::integer, Value(I{2}), false, {}, at_least_1)),
      neutral(key("checkpoint.deadline_margin", K::real, Value(60.0), false, {}, at_least_0)),
  };
}

// Every key, section by section (the order `trawl validate --keys` lists).
std::vector<KeySpec> make_keys() {
  std::vector<KeySpec> keys;
  for (auto section : {sweep_keys, model_keys, data_keys, train_keys, prune_keys, infer_keys, checkpoint_keys}) {
    std::vector<KeySpec> part = section();
    keys.insert(keys.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  return keys;
}

std::string number_text(double value) { return format_double(value); }

}  // namespace

bool Bounds::contains(double value) const {
  if (!std::isfinite(value)) return false;
  if (min && (min_open ? !(value > *min) : !(value >= *min))) return false;
  if (max && (max_open ? !(value < *max) : !(value <= *max))) return false;
  return true;
}

std::string Bounds::describe() const {
  if (min && max)
    return std::string("in ") + (min_open ? "(" : "[") + number_text(*min) + ", " + number_text(*max) +
           (max_open ? ")" : "]");
  if (min && *min == 0) return min_open ? "positive" : "at least 0";
  if (min) return (min_open ? "more than " : "at least ") + number_text(*min);
  if (max) return (max_open ? "less than " : "at most ") + number_text(*max);
  return "a finite number";
}

std::string bounds_error(const KeySpec& key, const Value& value) {
  if (type_of(value) != ValueType::integer && type_of(value) != ValueType::real) return "";
  const double number = type_of(value) == ValueType::integer ? static_cast<double>(std::get<std::int64_t>(value))
                                                             : std::get<double>(value);
  if (key.bounds.contains(number)) return "";
  const bool finite = std::isfinite(number);
  return key.key + " must be " + (finite ? key.bounds.describe() : "a finite number") + ", not " + to_string(value);
}

std::string bounds_error(const std::string& key, double value) {
  const KeySpec* spec = find_key(key);
  return spec ? bounds_error(*spec, Value(value)) : "";
}

const std::vector<KeySpec>& known_keys() {
  static const std::vector<KeySpec> keys = make_keys();
  return keys;
}

const KeySpec* find_key(const std::string& name) {
  for (const auto& spec : known_keys())
    if (spec.key == name) return &spec;
  return nullptr;
}

std::vector<std::string> known_sections() {
  std::vector<std::string> sections;
  for (const auto& spec : known_keys()) {
    std::string section = spec.key.substr(0, spec.key.find('.'));
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
      sections.push_back(section);
  }
  return sections;
}

std::vector<std::string> keys_of_section(const std::string& section) {
  std::vector<std::string> keys;
  for (const auto& spec : known_keys())
    if (spec.key.compare(0, section.size() + 1, section + ".") == 0) keys.push_back(spec.key);
  return keys;
}

std::vector<std::string> sweepable_keys() {
  std::vector<std::string> keys;
  for (const auto& spec : known_keys())
    if (spec.sweepable) keys.push_back(spec.key);
  return keys;
}

bool evaluation_only(const std::string& key) { return key.rfind("infer.", 0) == 0; }

const char* key_type_name(KeyType type) {
  switch (type) {
    case KeyType::boolean: return "boolean";
    case KeyType::integer: return "integer";
    case KeyType::real: return "float";
    case KeyType::string: return "string";
    case KeyType::integer_list: return "list of integers";
    case KeyType::string_list: return "list of strings";
  }
  return "?";
}

std::optional<ValueType> scalar_type(KeyType type) {
  switch (type) {
    case KeyType::boolean: return ValueType::boolean;
    case KeyType::integer: return ValueType::integer;
    case KeyType::real: return ValueType::real;
    case KeyType::string: return ValueType::string;
    default: return std::nullopt;
  }
}

}  // namespace trawl
