// lib/spec: a setting's value. One of the four scalar kinds a sweep file may
// give a key or a grid axis.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace trawl {

using Value = std::variant<bool, std::int64_t, double, std::string>;

enum class ValueType { boolean, integer, real, string };

ValueType type_of(const Value& value);
const char* type_name(ValueType type);
// Canonical text: what the spec hash, logs and tables show.
std::string to_string(const Value& value);
// Equality as a user means it: an integer equals the same real, and reals
// equal within 1e-9 relative (generated axes are not bit-exact).
bool same_value(const Value& a, const Value& b);

}  // namespace trawl
