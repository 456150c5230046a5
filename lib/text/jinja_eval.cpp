// Expressions of chat templates, with Python's semantics (jinja_renderer.hpp).
#include <algorithm>
#include <cmath>
#include <optional>

#include "text/jinja_renderer.hpp"

namespace trawl::jinja {

namespace {

using Kind = Value::Kind;

bool contains(const Value& container, const Value& item, const SourcePos& pos) {
  if (container.is(Kind::string)) {
    if (!item.is(Kind::string)) fail_at(pos, std::string("'in <string>' needs a string, not ") + item.type_name());
    return container.string().find(item.string()) != std::string::npos;
  }
  if (container.is(Kind::dict)) return item.is(Kind::string) && container.get(item.string()).defined();
  if (container.is(Kind::list)) {
    for (const Value& x : container.list())
      if (equal(x, item)) return true;
    return false;
  }
  if (container.is(Kind::undefined)) return false;
  fail_at(pos, std::string("'in' needs a string, list or dict, not ") + container.type_name());
}

double floor_mod(double a, double b) { return a - b * std::floor(a / b); }

}  // namespace

Value Renderer::eval(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::literal: return e.value;
    case Expr::Kind::name: {
      if (e.name == "raise_exception")
        return Value::function([pos = e.pos](Arguments& a) -> Value {
          fail_at(pos, "the template raised an exception: " + (a.positional.empty() ? "" : a.positional[0].str()));
        });
      return lookup(e.name);
    }
    case Expr::Kind::list: {
      List items;
      for (const auto& item : e.items) items.push_back(eval(*item));
      return Value(std::move(items));
    }
    case Expr::Kind::dict: {
      Dict dict;
      for (std::size_t i = 0; i < e.keys.size(); ++i) dict.emplace_back(eval(*e.keys[i]).str(), eval(*e.items[i]));
      return Value(std::move(dict));
    }
    case Expr::Kind::attribute: return attribute(eval(*e.items[0]), e.name, e.pos);
    case Expr::Kind::subscript: return subscript(eval(*e.items[0]), eval(*e.items[1]), e.pos);
    case Expr::Kind::slice: return slice(e);
    case Expr::Kind::call: {
      const Value callee = eval(*e.items[0]);
      if (!callee.is(Kind::callable)) fail_at(e.pos, std::string("a ") + callee.type_name() + " is not callable");
      Arguments args = arguments(e, 1);
      return callee.callable()(args);
    }
    case Expr::Kind::filter: {
      Arguments args = arguments(e, 1);
      return apply_filter(e.name, eval(*e.items[0]), args, e.pos);
    }
    case Expr::Kind::test: {
      Arguments args = arguments(e, 1);
      return Value(apply_test(e.name, eval(*e.items[0]), args, e.pos) != e.negated);
    }
    case Expr::Kind::unary: {
      const Value v = eval(*e.items[0]);
      if (e.name == "not") return Value(!v.truthy());
      if (!v.is_number()) fail_at(e.pos, "unary " + e.name + " needs a number, not " + v.type_name());
      if (e.name == "+") return v;
      return v.is(Kind::real) ? Value(-v.number()) : Value(-static_cast<std::int64_t>(v.number()));
    }
    case Expr::Kind::binary: return binary(e);
    case Expr::Kind::ternary:
      if (eval(*e.items[0]).truthy()) return eval(*e.items[1]);
      return e.items[2] ? eval(*e.items[2]) : Value();
  }
  return Value();
}

Arguments Renderer::arguments(const Expr& e, std::size_t first) {
  Arguments args;
  for (std::size_t i = first; i < e.items.size(); ++i) args.positional.push_back(eval(*e.items[i]));
  for (const auto& [key, value] : e.keyword) args.keyword.emplace_back(key, eval(*value));
  return args;
}

Value Renderer::binary(const Expr& e) {
  const std::string& op = e.name;
  const Value a = eval(*e.items[0]);
  if (op == "and") return a.truthy() ? eval(*e.items[1]) : a;
  if (op == "or") return a.truthy() ? a : eval(*e.items[1]);
  const Value b = eval(*e.items[1]);
  if (op == "==") return Value(equal(a, b));
  if (op == "!=") return Value(!equal(a, b));
  if (op == "in") return Value(contains(b, a, e.pos));
  if (op == "not in") return Value(!contains(b, a, e.pos));
  if (op == "~") return Value(a.str() + b.str());
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    const std::optional<bool> below = less(a, b), above = less(b, a);
    if (!below || !above) fail_at(e.pos, "cannot compare " + std::string(a.type_name()) + " " + op + " " + b.type_name());
    if (op == "<") return Value(*below);
    if (op == ">") return Value(*above);
    return Value(op == "<=" ? !*above : !*below);
  }
  return arithmetic(op, a, b, e.pos);
}

Value Renderer::arithmetic(const std::string& op, const Value& a, const Value& b, const SourcePos& pos) {
  if (op == "+" && a.is(Kind::string) && b.is(Kind::string)) return Value(a.string() + b.string());
  if (op == "+" && a.is(Kind::list) && b.is(Kind::list)) {
    List joined = a.list();
    joined.insert(joined.end(), b.list().begin(), b.list().end());
    return Value(std::move(joined));
  }
  if (op == "*" && a.is(Kind::string) && b.is(Kind::integer)) {
    std::string out;
    for (std::int64_t i = 0; i < b.integer(); ++i) out += a.string();
    return Value(out);
  }
  if (!a.is_number() || !b.is_number())
    fail_at(pos, "unsupported operands for " + op + ": " + a.type_name() + " and " + b.type_name());
  const bool integers = !a.is(Kind::real) && !b.is(Kind::real);
  const double x = a.number(), y = b.number();
  if ((op == "/" || op == "//" || op == "%") && y == 0) fail_at(pos, "division by zero");
  if (op == "/") return Value(x / y);
  if (op == "**") return integers && y >= 0 ? Value(static_cast<std::int64_t>(std::pow(x, y))) : Value(std::pow(x, y));
  double r = 0;
  if (op == "+") r = x + y;
  else if (op == "-") r = x - y;
  else if (op == "*") r = x * y;
  else if (op == "//") r = std::floor(x / y);
  else if (op == "%") r = floor_mod(x, y);
  else fail_at(pos, "the operator '" + op + "' is not supported");
  return integers ? Value(static_cast<std::int64_t>(r)) : Value(r);
}

Value Renderer::attribute(const Value& object, const std::string& name, const SourcePos& pos) {
  if (object.is(Kind::undefined)) fail_at(pos, "'" + name + "' of an undefined value");
  const Value bound = method(object, name, pos);
  if (bound.defined()) return bound;
  if (object.is(Kind::dict)) return object.get(name);
  return Value();
}

Value Renderer::subscript(const Value& object, const Value& index, const SourcePos& pos) {
  if (object.is(Kind::dict)) return object.get(index.str());
  if (object.is(Kind::list) || object.is(Kind::string)) {
    if (!index.is(Kind::integer)) fail_at(pos, std::string("an index must be an integer, not ") + index.type_name());
    if (object.is(Kind::list)) {
      const auto at = python_index(index.integer(), object.list().size());
      return at ? object.list()[*at] : Value();
    }
    const std::vector<std::string> chars = utf8_characters(object.string());
    const auto at = python_index(index.integer(), chars.size());
    return at ? Value(chars[*at]) : Value();
  }
  if (object.is(Kind::undefined)) fail_at(pos, "an index into an undefined value");
  fail_at(pos, std::string("a ") + object.type_name() + " cannot be indexed");
}

Value Renderer::slice(const Expr& e) {
  const Value object = eval(*e.items[0]);
  std::optional<std::int64_t> part[3];
  for (int k = 0; k < 3; ++k)
    if (e.items[static_cast<std::size_t>(k) + 1]) part[k] = eval(*e.items[static_cast<std::size_t>(k) + 1]).integer();
  const bool text = object.is(Kind::string);
  List items;
  if (text)
    for (const std::string& c : utf8_characters(object.string())) items.emplace_back(c);
  else if (object.is(Kind::list))
    items = object.list();
  else
    fail_at(e.pos, std::string("a ") + object.type_name() + " cannot be sliced");
  const std::int64_t n = static_cast<std::int64_t>(items.size()), step = part[2].value_or(1);
  if (step == 0) fail_at(e.pos, "a slice step cannot be zero");
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t x = *v < 0 ? *v + n : *v;
    return step > 0 ? std::clamp<std::int64_t>(x, 0, n) : std::clamp<std::int64_t>(x, -1, n - 1);
  };
  const std::int64_t start = clamp(part[0], step > 0 ? 0 : n - 1), stop = clamp(part[1], step > 0 ? n : -1);
  List out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(items[static_cast<std::size_t>(i)]);
  if (!text) return Value(std::move(out));
  std::string joined;
  for (const Value& c : out) joined += c.string();
  return Value(joined);
}

}  // namespace trawl::jinja
