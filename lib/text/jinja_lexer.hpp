// lib/text: a chat template's text cut into literal text, {{ output }} and
// {% statement %} parts, each statement or output already tokenized, with
// Jinja's whitespace control applied as transformers renders chat templates
// (trim_blocks and lstrip_blocks on, `-` strips, `+` keeps); {# comments #}
// are dropped.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace trawl::jinja {

struct Token {
  enum class Type { name, string, integer, real, op };
  Type type = Type::op;
  std::string text;  // a string literal's value, unescaped
  SourcePos pos;
};

struct Segment {
  enum class Kind { text, output, statement };
  Kind kind = Kind::text;
  std::string text;           // Kind::text
  std::vector<Token> tokens;  // output and statement
  SourcePos pos;              // where the part starts in the template
};

// `name` is the template's file (or "chat_template" of a tokenizer_config.json).
// Throws InputError at the place of an unclosed tag or string, or of a
// character that is no Jinja token.
std::vector<Segment> lex_template(const std::string& source, const std::string& name);

}  // namespace trawl::jinja
