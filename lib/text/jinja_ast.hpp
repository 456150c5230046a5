// lib/text: a parsed chat template. Expressions and statements are small
// structs; every node keeps where it starts in the template, for errors.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "text/jinja_value.hpp"

namespace trawl::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    literal,    // value
    name,       // name
    list,       // items
    dict,       // keys (literal exprs) and items
    attribute,  // items[0] . name
    subscript,  // items[0] [ items[1] ]
    slice,      // items[0] [ items[1] : items[2] : items[3] ] (absent parts are null)
    call,       // items[0] ( items[1..] , keyword args )
    filter,     // items[0] | name ( items[1..] , keyword args )
    test,       // items[0] is [not] name ( items[1..] )
    unary,      // op items[0]: "not", "-", "+"
    binary,     // items[0] op items[1]
    ternary,    // items[1] if items[0] else items[2] (items[2] may be null)
  };
  Kind kind;
  SourcePos pos;
  Value value;
  std::string name;  // name, attribute, filter, test; op for unary and binary
  bool negated = false;  // test: "is not"
  std::vector<ExprPtr> items;
  std::vector<std::pair<std::string, ExprPtr>> keyword;  // call and filter
  std::vector<ExprPtr> keys;                             // dict
};

struct Stmt;
using Body = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  enum class Kind {
    text,      // text
    output,    // expr
    if_,       // branches (cond, body); else_body
    for_,      // targets in expr [if filter]: body; else_body
    set,       // targets (one; or "ns" and attribute) = expr; or a block: body
    macro,     // name(params = defaults): body
    break_,
    continue_,
    generation,  // {% generation %}: body, rendered as is
  };
  Kind kind;
  SourcePos pos;
  std::string text;
  ExprPtr expr, filter;
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body, else_body;
  std::vector<std::string> targets;  // for: loop variables; set: name (and attribute); macro: parameters
  std::string attribute;             // set ns.attribute
  std::vector<ExprPtr> defaults;     // macro: a default per parameter (null: none)
  std::string name;                  // macro
};

// Parses `source` (a chat template); `name` is its file, for messages.
// Throws InputError naming the construct and its line and column when the
// template uses anything this interpreter does not know.
Body parse_template(const std::string& source, const std::string& name);

}  // namespace trawl::jinja
