#include "spec/constraint.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/text.hpp"

namespace trawl {

namespace {

bool metric_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'; }

std::size_t skip_spaces(const std::string& text, std::size_t at) {
  while (at < text.size() && text[at] == ' ') ++at;
  return at;
}

// Character `offset` of the text, one past its opening quote.
[[noreturn]] void fail_at(const SourcePos& pos, std::size_t offset, const std::string& text, const std::string& what) {
  SourcePos at = pos;
  if (at.known()) at.column += 1 + static_cast<int>(offset);
  throw input_error_at(at, "sweep.constraints: \"" + text + "\": " + what +
                               " (a constraint is \"metric op number\", op one of <= < >= >)");
}

}  // namespace

bool Constraint::holds(double value) const {
  if (std::isnan(value)) return false;
  if (op == "<=") return value <= bound;
  if (op == "<") return value < bound;
  if (op == ">=") return value >= bound;
  return value > bound;
}

// std::to_chars writes the shortest text that reads back exactly, without
// an exponent where plain digits are as short ("80", not "8e+01").
std::string Constraint::text() const {
  char number[32];
  const auto written = std::to_chars(number, number + sizeof number, bound);
  return metric + " " + op + " " + std::string(number, written.ptr);
}

std::string constraints_text(const std::vector<Constraint>& constraints) {
  std::vector<std::string> texts;
  for (const Constraint& c : constraints) texts.push_back(c.text());
  return join(texts, ", ");
}

Constraint parse_constraint(const std::string& text, const SourcePos& pos) {
  Constraint c;
  c.pos = pos;
  std::size_t at = skip_spaces(text, 0);
  const std::size_t metric_start = at;
  while (at < text.size() && metric_char(text[at])) ++at;
  if (at == metric_start) fail_at(pos, at, text, "expected a metric name here");
  c.metric = text.substr(metric_start, at - metric_start);
  at = skip_spaces(text, at);
  if (at < text.size() && (text[at] == '<' || text[at] == '>')) {
    const bool or_equal = at + 1 < text.size() && text[at + 1] == '=';
    c.op = text.substr(at, or_equal ? 2 : 1);
    at += c.op.size();
  } else {
    fail_at(pos, at, text, "expected an operator after '" + c.metric + "'");
  }
  at = skip_spaces(text, at);
  const std::size_t end = std::min(text.find(' ', at), text.size());
  const auto bound = parse_double(std::string_view(text).substr(at, end - at));
  if (!bound || !std::isfinite(*bound)) fail_at(pos, at, text, "expected a finite number here");
  c.bound = *bound;
  if (const std::size_t rest = skip_spaces(text, end); rest < text.size())
    fail_at(pos, rest, text, "unexpected text after the bound: '" + text.substr(rest) + "' (one bound per constraint)");
  return c;
}

const Constraint* first_broken(const std::vector<Constraint>& constraints,
                               const std::map<std::string, std::vector<double>>& columns, std::size_t row) {
  for (const Constraint& c : constraints)
    if (!c.holds(columns.at(c.metric)[row])) return &c;
  return nullptr;
}

}  // namespace trawl
