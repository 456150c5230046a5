#include "text/jinja_value.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "text/utf8.hpp"

namespace trawl::jinja {

Value Value::from_json(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null: return Value(nullptr);
    case nlohmann::ordered_json::value_t::boolean: return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned: return Value(json.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_float: return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List list;
      for (const auto& item : json) list.push_back(from_json(item));
      return Value(std::move(list));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict dict;
      for (auto it = json.begin(); it != json.end(); ++it) dict.emplace_back(it.key(), from_json(it.value()));
      return Value(std::move(dict));
    }
    default: return Value();
  }
}

std::vector<std::string> utf8_characters(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = std::max<std::size_t>(1, std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i));
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

double Value::number() const {
  if (is(Kind::integer)) return static_cast<double>(integer());
  if (is(Kind::boolean)) return boolean() ? 1 : 0;
  return std::get<double>(data_);
}

Value Value::get(const std::string& key) const {
  for (const auto& [k, v] : dict())
    if (k == key) return v;
  return Value();
}

void Value::set(const std::string& key, Value value) const {
  for (auto& [k, v] : dict())
    if (k == key) {
      v = std::move(value);
      return;
    }
  dict().emplace_back(key, std::move(value));
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::undefined:
    case Kind::none: return false;
    case Kind::boolean: return boolean();
    case Kind::integer: return integer() != 0;
    case Kind::real: return number() != 0;
    case Kind::string: return !string().empty();
    case Kind::list: return !list().empty();
    case Kind::dict: return !dict().empty();
    default: return true;
  }
}

std::string float_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  std::string text = buf;
  const auto e = text.find('e');
  if (e != std::string::npos) {  // Python: 1e+20, 1e-05
    std::string mantissa = text.substr(0, e), exponent = text.substr(e + 1);
    const char sign = exponent[0] == '-' ? '-' : '+';
    exponent = exponent.substr(exponent[0] == '-' || exponent[0] == '+' ? 1 : 0);
    while (exponent.size() > 2 && exponent[0] == '0') exponent.erase(0, 1);
    if (exponent.size() < 2) exponent = "0" + exponent;
    return mantissa + "e" + sign + exponent;
  }
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

namespace {

std::string quoted(const std::string& s) {
  const bool double_quotes = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char quote = double_quotes ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == quote) out += std::string("\\") + c;
    else out += c;
  }
  return out + quote;
}

}  // namespace

std::string Value::repr() const { return is(Kind::string) ? quoted(string()) : str(); }

std::string Value::str() const {
  switch (kind()) {
    case Kind::undefined: return "";
    case Kind::none: return "None";
    case Kind::boolean: return boolean() ? "True" : "False";
    case Kind::integer: return std::to_string(integer());
    case Kind::real: return float_text(number());
    case Kind::string: return string();
    case Kind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < list().size(); ++i) out += (i ? ", " : "") + list()[i].repr();
      return out + "]";
    }
    case Kind::dict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : dict()) {
        out += (first ? "" : ", ") + quoted(k) + ": " + v.repr();
        first = false;
      }
      return out + "}";
    }
    default: return "<function>";
  }
}

namespace {

void write_json(const Value& v, int indent, int depth, std::string& out) {
  const std::string pad = indent < 0 ? "" : "\n" + std::string(static_cast<std::size_t>(indent * (depth + 1)), ' ');
  const std::string end = indent < 0 ? "" : "\n" + std::string(static_cast<std::size_t>(indent * depth), ' ');
  const std::string comma = indent < 0 ? ", " : ",";
  switch (v.kind()) {
    case Value::Kind::none:
    case Value::Kind::undefined: out += "null"; return;
    case Value::Kind::boolean: out += v.boolean() ? "true" : "false"; return;
    case Value::Kind::integer: out += std::to_string(v.integer()); return;
    case Value::Kind::real: out += std::isfinite(v.number()) ? float_text(v.number()) : "NaN"; return;
    case Value::Kind::string: out += nlohmann::json(v.string()).dump(-1, ' ', false); return;
    case Value::Kind::list: {
      if (v.list().empty()) {
        out += "[]";
        return;
      }
      out += "[";
      for (std::size_t i = 0; i < v.list().size(); ++i) {
        out += (i ? comma : "") + pad;
        write_json(v.list()[i], indent, depth + 1, out);
      }
      out += end + "]";
      return;
    }
    case Value::Kind::dict: {
      if (v.dict().empty()) {
        out += "{}";
        return;
      }
      out += "{";
      bool first = true;
      for (const auto& [k, item] : v.dict()) {
        out += (first ? "" : comma) + pad + nlohmann::json(k).dump(-1, ' ', false) + ": ";
        write_json(item, indent, depth + 1, out);
        first = false;
      }
      out += end + "}";
      return;
    }
    default: out += "null";
  }
}

}  // namespace

std::string Value::json(int indent) const {
  std::string out;
  write_json(*this, indent, 0, out);
  return out;
}

const char* Value::type_name() const {
  static const char* names[] = {"undefined", "none", "bool", "int", "float", "str", "list", "dict", "function"};
  return names[static_cast<int>(kind())];
}

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.number() == b.number();
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::undefined:
    case Value::Kind::none: return true;
    case Value::Kind::string: return a.string() == b.string();
    case Value::Kind::list: {
      if (a.list().size() != b.list().size()) return false;
      for (std::size_t i = 0; i < a.list().size(); ++i)
        if (!equal(a.list()[i], b.list()[i])) return false;
      return true;
    }
    case Value::Kind::dict: {
      if (a.dict().size() != b.dict().size()) return false;
      for (const auto& [k, v] : a.dict())
        if (!equal(v, b.get(k))) return false;
      return true;
    }
    default: return false;
  }
}

std::optional<bool> less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.number() < b.number();
  if (a.is(Value::Kind::string) && b.is(Value::Kind::string)) return a.string() < b.string();
  if (a.is(Value::Kind::list) && b.is(Value::Kind::list)) {
    const List &x = a.list(), &y = b.list();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (equal(x[i], y[i])) continue;
      return less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  return std::nullopt;
}

}  // namespace trawl::jinja
