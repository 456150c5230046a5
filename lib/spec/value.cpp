#include "spec/value.hpp"

#include <cmath>

#include "core/text.hpp"

namespace trawl {

ValueType type_of(const Value& value) { return static_cast<ValueType>(value.index()); }

const char* type_name(ValueType type) {
  switch (type) {
    case ValueType::boolean: return "boolean";
    case ValueType::integer: return "integer";
    case ValueType::real: return "float";
    case ValueType::string: return "string";
  }
  return "?";
}

std::string to_string(const Value& value) {
  switch (type_of(value)) {
    case ValueType::boolean: return std::get<bool>(value) ? "true" : "false";
    case ValueType::integer: return std::to_string(std::get<std::int64_t>(value));
    case ValueType::real: return format_double(std::get<double>(value));
    case ValueType::string: return std::get<std::string>(value);
  }
  return "";
}

static bool is_number(const Value& v) {
  return type_of(v) == ValueType::integer || type_of(v) == ValueType::real;
}

static double as_double(const Value& v) {
  return type_of(v) == ValueType::integer ? static_cast<double>(std::get<std::int64_t>(v))
                                          : std::get<double>(v);
}

bool same_value(const Value& a, const Value& b) {
  if (type_of(a) == ValueType::integer && type_of(b) == ValueType::integer) return a == b;
  if (is_number(a) && is_number(b)) {
    double x = as_double(a), y = as_double(b);
    // Infinities and NaN are never "close" to anything (inf - x is inf).
    return x == y || (std::isfinite(x) && std::isfinite(y) && std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)));
  }
  return a == b;
}

}  // namespace trawl
