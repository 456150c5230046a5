// Filters and tests of chat templates (jinja_builtins.hpp).
#include <algorithm>
#include <cmath>

#include "text/jinja_builtins.hpp"

namespace trawl::jinja {

namespace {

using Kind = Value::Kind;

// A list's items, a dict's keys, a string's characters: what `for` walks.
List items_of(const Value& v, const SourcePos& pos, const std::string& what) {
  if (v.is(Kind::list)) return v.list();
  if (v.is(Kind::dict)) {
    List keys;
    for (const auto& [k, item] : v.dict()) keys.emplace_back(k);
    return keys;
  }
  if (v.is(Kind::string)) {
    List chars;
    for (const std::string& c : utf8_characters(v.string())) chars.emplace_back(c);
    return chars;
  }
  fail_at(pos, what + " needs a list, dict or string, not " + v.type_name());
}

std::int64_t length(const Value& v, const SourcePos& pos) {
  if (v.is(Kind::string)) return static_cast<std::int64_t>(utf8_characters(v.string()).size());
  if (v.is(Kind::undefined)) return 0;
  return static_cast<std::int64_t>(items_of(v, pos, "length").size());
}

// select / reject / selectattr / rejectattr / map(attribute=...).
Value sift(const std::string& name, const Value& input, Arguments& a, const SourcePos& pos) {
  const bool by_attribute = name == "selectattr" || name == "rejectattr";
  const bool keep_matches = name == "select" || name == "selectattr";
  List out;
  for (const Value& item : items_of(input, pos, name)) {
    if (name == "map") {
      const Value attribute = argument(a, 99, "attribute");
      if (!attribute.is(Kind::string)) fail_at(pos, "map is supported with attribute=... only");
      const Value got = item.is(Kind::dict) ? item.get(attribute.string()) : Value();
      out.push_back(got.defined() ? got : argument(a, 99, "default"));
      continue;
    }
    const Value subject = by_attribute ? (item.is(Kind::dict) ? item.get(argument(a, 0, "attribute").str()) : Value()) : item;
    Arguments test_args;
    const std::size_t first = by_attribute ? 2 : 1;
    const Value test = argument(a, first - 1, "test");
    for (std::size_t i = first; i < a.positional.size(); ++i) test_args.positional.push_back(a.positional[i]);
    const bool match = test.defined() ? apply_test(test.str(), subject, test_args, pos) : subject.truthy();
    if (match == keep_matches) out.push_back(item);
  }
  return Value(std::move(out));
}

Value text_filter(const std::string& name, const std::string& s, Arguments& a, const SourcePos& pos) {
  if (name == "trim") {
    Arguments strip_args{{argument(a, 0, "chars")}, {}};
    return method(Value(s), "strip", pos).callable()(strip_args);
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    Arguments none;
    return method(Value(s), name, pos).callable()(none);
  }
  if (name == "replace") {
    Arguments replace_args{{argument(a, 0, "old"), argument(a, 1, "new"), argument(a, 2, "count", Value(-1))}, {}};
    return method(Value(s), "replace", pos).callable()(replace_args);
  }
  fail_at(pos, "the filter '" + name + "' is not supported");
}

}  // namespace

Value apply_filter(const std::string& name, const Value& input, Arguments& a, const SourcePos& pos) {
  if (name == "length" || name == "count") return Value(length(input, pos));
  if (name == "tojson") {
    const Value indent = argument(a, 0, "indent");
    return Value(input.json(indent.is(Kind::integer) ? static_cast<int>(indent.integer()) : -1));
  }
  if (name == "string") return Value(input.str());
  if (name == "safe" || name == "e" || name == "escape" || name == "forceescape") return input;  // no autoescape
  if (name == "default" || name == "d") {
    const bool boolean = argument(a, 1, "boolean", Value(false)).truthy();
    return (boolean ? input.truthy() : input.defined()) ? input : argument(a, 0, "default_value", Value(""));
  }
  if (name == "first" || name == "last") {
    const List items = items_of(input, pos, name);
    if (items.empty()) return Value();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") return Value(items_of(input, pos, name));
  if (name == "reverse") {
    List items = items_of(input, pos, name);
    std::reverse(items.begin(), items.end());
    if (!input.is(Kind::string)) return Value(std::move(items));
    std::string out;
    for (const Value& c : items) out += c.string();
    return Value(out);
  }
  if (name == "items") {
    if (!input.is(Kind::dict)) fail_at(pos, std::string("items needs a dict, not ") + input.type_name());
    Arguments none;
    return method(input, "items", pos).callable()(none);
  }
  if (name == "join") {
    const std::string sep = argument(a, 0, "d", Value("")).str();
    const Value attribute = argument(a, 1, "attribute");
    std::string out;
    const List items = items_of(input, pos, name);
    for (std::size_t i = 0; i < items.size(); ++i)
      out += (i ? sep : "") + (attribute.defined() ? items[i].get(attribute.str()) : items[i]).str();
    return Value(out);
  }
  if (name == "int") return input.is_number() ? Value(static_cast<std::int64_t>(input.number())) : Value(std::int64_t{0});
  if (name == "float") return input.is_number() ? Value(input.number()) : Value(0.0);
  if (name == "abs") return input.is(Kind::integer) ? Value(std::abs(input.integer())) : Value(std::fabs(input.number()));
  if (name == "unique") {
    List out;
    for (const Value& v : items_of(input, pos, name))
      if (std::none_of(out.begin(), out.end(), [&](const Value& o) { return equal(o, v); })) out.push_back(v);
    return Value(std::move(out));
  }
  if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr" || name == "map")
    return sift(name, input, a, pos);
  if (input.is(Kind::string)) return text_filter(name, input.string(), a, pos);
  if (name == "trim" || name == "upper" || name == "lower" || name == "title" || name == "capitalize" ||
      name == "replace")
    fail_at(pos, "the filter '" + name + "' needs a string, not " + input.type_name());
  fail_at(pos, "the filter '" + name + "' is not supported");
}

bool apply_test(const std::string& name, const Value& v, Arguments& a, const SourcePos& pos) {
  if (name == "defined") return v.defined();
  if (name == "undefined") return !v.defined();
  if (name == "none") return v.is(Kind::none);
  if (name == "string") return v.is(Kind::string);
  if (name == "number") return v.is(Kind::integer) || v.is(Kind::real);
  if (name == "integer") return v.is(Kind::integer);
  if (name == "float") return v.is(Kind::real);
  if (name == "boolean") return v.is(Kind::boolean);
  if (name == "true") return v.is(Kind::boolean) && v.boolean();
  if (name == "false") return v.is(Kind::boolean) && !v.boolean();
  if (name == "mapping") return v.is(Kind::dict);
  if (name == "sequence") return v.is(Kind::list) || v.is(Kind::string) || v.is(Kind::dict);
  if (name == "iterable") return v.is(Kind::list) || v.is(Kind::string) || v.is(Kind::dict);
  if (name == "callable") return v.is(Kind::callable);
  if (name == "odd" || name == "even") {
    if (!v.is(Kind::integer)) fail_at(pos, "the test '" + name + "' needs an integer");
    return (v.integer() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    const Value by = argument(a, 0, "num");
    return v.is(Kind::integer) && by.is(Kind::integer) && by.integer() != 0 && v.integer() % by.integer() == 0;
  }
  if (name == "lower" || name == "upper") {
    if (!v.is(Kind::string)) return false;
    Arguments none;
    return method(v, name, pos).callable()(none).string() == v.string();
  }
  if (name == "eq" || name == "equalto" || name == "sameas" || name == "==") return equal(v, argument(a, 0, "other"));
  if (name == "ne" || name == "!=") return !equal(v, argument(a, 0, "other"));
  if (name == "in") {
    const Value container = argument(a, 0, "seq");
    const List items = items_of(container, pos, "in");
    return std::any_of(items.begin(), items.end(), [&](const Value& x) { return equal(x, v); });
  }
  for (const char* op : {"lt", "le", "gt", "ge"})
    if (name == op) {
      const Value other = argument(a, 0, "other");
      const std::optional<bool> below = less(v, other), above = less(other, v);
      if (!below || !above) fail_at(pos, "cannot compare " + std::string(v.type_name()) + " with " + other.type_name());
      if (name == "lt") return *below;
      if (name == "gt") return *above;
      return name == "le" ? !*above : !*below;
    }
  fail_at(pos, "the test '" + name + "' is not supported");
}

}  // namespace trawl::jinja
