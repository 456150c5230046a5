// lib/text: the values a chat template computes with, as Jinja (Python) sees
// them: undefined, none, booleans, integers, floats, strings, lists, dicts
// (keys in insertion order, as Python's), namespaces (dicts whose attributes
// `set` may change) and callables (macros, namespace(), raise_exception, ...).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace trawl::jinja {

class Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;

// A call's arguments: positional, then keyword.
struct Arguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};
using Callable = std::function<Value(Arguments&)>;

struct Undefined {
  bool operator==(const Undefined&) const { return true; }
};

class Value {
 public:
  enum class Kind { undefined, none, boolean, integer, real, string, list, dict, callable };

  Value() = default;
  Value(std::nullptr_t) : data_(nullptr) {}
  Value(bool b) : data_(b) {}
  Value(int i) : data_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : data_(i) {}
  Value(double r) : data_(r) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(List list) : data_(std::make_shared<List>(std::move(list))) {}
  Value(Dict dict, bool is_namespace = false)
      : data_(std::make_shared<Dict>(std::move(dict))), namespace_(is_namespace) {}
  static Value function(Callable fn) {
    Value v;
    v.data_ = std::make_shared<const Callable>(std::move(fn));
    return v;
  }
  // Objects keep their keys' order, as Python's json.loads does (tojson
  // writes them back in it).
  static Value from_json(const nlohmann::ordered_json& json);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is(Kind k) const { return kind() == k; }
  bool defined() const { return !is(Kind::undefined); }
  bool is_number() const { return is(Kind::integer) || is(Kind::real) || is(Kind::boolean); }
  bool is_namespace() const { return namespace_; }

  bool boolean() const { return std::get<bool>(data_); }
  std::int64_t integer() const { return std::get<std::int64_t>(data_); }
  double number() const;  // integer, real or boolean as a double
  const std::string& string() const { return std::get<std::string>(data_); }
  List& list() const { return *std::get<std::shared_ptr<List>>(data_); }
  Dict& dict() const { return *std::get<std::shared_ptr<Dict>>(data_); }
  const Callable& callable() const { return *std::get<std::shared_ptr<const Callable>>(data_); }

  // A dict's value for `key`; undefined when it has none.
  Value get(const std::string& key) const;
  // Sets a dict's `key` (appended when new, as Python keeps order).
  void set(const std::string& key, Value value) const;

  bool truthy() const;
  // Python's str(): None, True, 1.0, ['a', 1], {'k': 'v'}; undefined is "".
  std::string str() const;
  // Python's repr(): strings quoted as Python quotes them.
  std::string repr() const;
  // json.dumps(value, ensure_ascii=False, indent=indent), as transformers'
  // tojson filter; indent < 0: one line with ", " and ": ".
  std::string json(int indent = -1) const;
  const char* type_name() const;

 private:
  std::variant<Undefined, std::nullptr_t, bool, std::int64_t, double, std::string, std::shared_ptr<List>,
               std::shared_ptr<Dict>, std::shared_ptr<const Callable>>
      data_;
  bool namespace_ = false;
};

// Python's ==, and < (nullopt where Python raises TypeError).
bool equal(const Value& a, const Value& b);
std::optional<bool> less(const Value& a, const Value& b);
// Python's repr of a float: the shortest text that reads back as it.
std::string float_text(double value);
// A string's characters (UTF-8 code points), as Python indexes a str.
std::vector<std::string> utf8_characters(const std::string& text);

}  // namespace trawl::jinja
