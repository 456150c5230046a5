// lib/spec: the table of every key a sweep file may set, with its type,
// default, allowed values and whether a grid axis may sweep it.
// docs/sweep-file.md documents the same table for users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/value.hpp"

namespace trawl {

enum class KeyType { boolean, integer, real, string, integer_list, string_list };

// The numbers a key accepts. Every float must also be finite.
struct Bounds {
  std::optional<double> min, max;
  bool min_open = false, max_open = false;  // open: the bound itself is excluded

  bool contains(double value) const;
  // "positive", "at least 1", "in [0, 1)", ...
  std::string describe() const;
};

struct KeySpec {
  std::string key;  // "section.name"
  KeyType type;
  std::optional<Value> default_value;  // none: required, or a list
  std::vector<std::string> choices;    // allowed strings; empty: any
  bool sweepable;                      // may be a grid axis
  Bounds bounds;                       // for integers and floats
  // The trawl version that added the key. A key added after 0.2 enters the
  // spec hash only when set to something else than its default, so a sweep
  // written before it keeps its hash, and its results and checkpoints resume.
  std::string added_in = "0.2";
  // Whether the key changes what a trial computes; one that does not
  // (names, places, schedules, checkpoint timing, threads) is left out of
  // the spec hash and may change between runs of one sweep.
  bool affects_results = true;
};

// The one place a key's numeric rule is checked, by the parser (fixed values,
// grid axes, generated values) and the trainer alike: "" when `value` is
// allowed, else "<key> must be <rule>, not <value>".
std::string bounds_error(const KeySpec& key, const Value& value);
std::string bounds_error(const std::string& key, double value);

const std::vector<KeySpec>& known_keys();
const KeySpec* find_key(const std::string& key);
std::vector<std::string> known_sections();
// Keys of one section ("train.lr", ...), or all sweepable keys.
std::vector<std::string> keys_of_section(const std::string& section);
std::vector<std::string> sweepable_keys();
// infer.* keys change only what is measured after training: trials that
// differ only in them share one training run (docs/evaluation.md).
bool evaluation_only(const std::string& key);
const char* key_type_name(KeyType type);
// The scalar type a key's values have; lists have no scalar type.
std::optional<ValueType> scalar_type(KeyType type);

}  // namespace trawl
