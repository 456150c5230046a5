// lib/text: the expression parser of chat templates (Jinja's precedence:
// ternary, or, and, not, comparisons and `in`, `~`, + -, * / // %, **,
// unary - +, then primaries with attributes, subscripts, slices and calls,
// filters `|` and tests `is`). Used by the statement parser.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "text/jinja_ast.hpp"
#include "text/jinja_lexer.hpp"

namespace trawl::jinja {

ExprPtr make_expr(Expr::Kind kind, const SourcePos& pos);

// Parses expressions from one tag's tokens, with Jinja's precedence.
class ExprParser {
 public:
  ExprParser(const std::vector<Token>& tokens, const SourcePos& tag) : t_(tokens), tag_(tag) {}

  bool done() const { return i_ >= t_.size(); }
  bool at(const char* text) const {
    return !done() && t_[i_].type != Token::Type::string && t_[i_].text == text;
  }
  bool take(const char* text) {
    if (!at(text)) return false;
    ++i_;
    return true;
  }
  const SourcePos& pos() const { return done() ? (t_.empty() ? tag_ : t_.back().pos) : t_[i_].pos; }
  [[noreturn]] void fail(const std::string& problem) const {
    throw input_error_at(pos(), "chat template: " + problem);
  }
  void expect(const char* text) {
    if (!take(text)) fail(std::string("expected '") + text + "'" + (done() ? " at the end of the tag" : ", not '" + t_[i_].text + "'"));
  }
  std::string name() {
    if (done() || t_[i_].type != Token::Type::name) fail("expected a name");
    return t_[i_++].text;
  }
  void expect_end() const {
    if (!done()) fail("unexpected '" + t_[i_].text + "'");
  }

  ExprPtr expression() {
    ExprPtr value = or_expr();
    if (!at("if")) return value;
    auto e = make_expr(Expr::Kind::ternary, value->pos);
    ++i_;
    e->items.push_back(or_expr());
    e->items.push_back(std::move(value));
    e->items.push_back(take("else") ? expression() : nullptr);
    return e;
  }

  ExprPtr or_expr() { return binary_chain({"or"}, &ExprParser::and_expr); }
  // The next token's text ("" at the end), without taking it.
  std::string peek() const { return done() ? std::string() : t_[i_].text; }

 private:
  using Level = ExprPtr (ExprParser::*)();

  ExprPtr binary_chain(std::initializer_list<const char*> ops, Level next) {
    ExprPtr left = (this->*next)();
    while (true) {
      const char* op = nullptr;
      for (const char* o : ops)
        if (at(o)) op = o;
      if (!op) return left;
      auto e = make_expr(Expr::Kind::binary, pos());
      ++i_;
      e->name = op;
      e->items.push_back(std::move(left));
      e->items.push_back((this->*next)());
      left = std::move(e);
    }
  }
  ExprPtr and_expr() { return binary_chain({"and"}, &ExprParser::not_expr); }
  ExprPtr not_expr() {
    if (!at("not")) return compare();
    auto e = make_expr(Expr::Kind::unary, pos());
    ++i_;
    e->name = "not";
    e->items.push_back(not_expr());
    return e;
  }
  ExprPtr compare() {
    ExprPtr left = concat();
    while (true) {
      std::string op;
      for (const char* o : {"==", "!=", "<", ">", "<=", ">=", "in"})
        if (at(o)) op = o;
      if (op.empty() && at("not") && i_ + 1 < t_.size() && t_[i_ + 1].text == "in") op = "not in";
      if (op.empty()) return left;
      auto e = make_expr(Expr::Kind::binary, pos());
      i_ += op == "not in" ? 2 : 1;
      e->name = op;
      e->items.push_back(std::move(left));
      e->items.push_back(concat());
      left = std::move(e);
    }
  }
  ExprPtr concat() { return binary_chain({"~"}, &ExprParser::sum); }
  ExprPtr sum() { return binary_chain({"+", "-"}, &ExprParser::product); }
  ExprPtr product() { return binary_chain({"*", "/", "//", "%"}, &ExprParser::power); }
  ExprPtr power() { return binary_chain({"**"}, &ExprParser::unary); }
  ExprPtr unary() {
    if (at("-") || at("+")) {
      auto e = make_expr(Expr::Kind::unary, pos());
      e->name = t_[i_++].text;
      e->items.push_back(unary());
      return filters(std::move(e));
    }
    return filters(postfix(primary()));
  }
  ExprPtr primary();
  ExprPtr postfix(ExprPtr e);
  ExprPtr filters(ExprPtr e);
  void arguments(Expr& call);

  const std::vector<Token>& t_;
  SourcePos tag_;
  std::size_t i_ = 0;
};

}  // namespace trawl::jinja
