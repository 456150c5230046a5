#include "text/jinja_expr_parser.hpp"

#include <cstdlib>

namespace trawl::jinja {

ExprPtr make_expr(Expr::Kind kind, const SourcePos& pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

ExprPtr ExprParser::primary() {
  if (done()) fail("an expression is missing");
  const Token& tok = t_[i_];
  auto e = make_expr(Expr::Kind::literal, tok.pos);
  if (tok.type == Token::Type::string) {
    std::string text;
    while (!done() && t_[i_].type == Token::Type::string) text += t_[i_++].text;  // "a" "b" is "ab"
    e->value = Value(text);
    return e;
  }
  ++i_;
  if (tok.type == Token::Type::integer) e->value = Value(static_cast<std::int64_t>(std::strtoll(tok.text.c_str(), nullptr, 10)));
  else if (tok.type == Token::Type::real) e->value = Value(std::strtod(tok.text.c_str(), nullptr));
  else if (tok.text == "true" || tok.text == "True") e->value = Value(true);
  else if (tok.text == "false" || tok.text == "False") e->value = Value(false);
  else if (tok.text == "none" || tok.text == "None") e->value = Value(nullptr);
  else if (tok.type == Token::Type::name) {
    e->kind = Expr::Kind::name;
    e->name = tok.text;
  } else if (tok.text == "(") {
    ExprPtr inner = expression();
    if (at(",")) {  // a tuple: a list here
      auto list = make_expr(Expr::Kind::list, tok.pos);
      list->items.push_back(std::move(inner));
      while (take(",") && !at(")")) list->items.push_back(expression());
      inner = std::move(list);
    }
    expect(")");
    return inner;
  } else if (tok.text == "[") {
    e->kind = Expr::Kind::list;
    while (!at("]")) {
      e->items.push_back(expression());
      if (!take(",")) break;
    }
    expect("]");
  } else if (tok.text == "{") {
    e->kind = Expr::Kind::dict;
    while (!at("}")) {
      e->keys.push_back(expression());
      expect(":");
      e->items.push_back(expression());
      if (!take(",")) break;
    }
    expect("}");
  } else {
    --i_;
    fail("unexpected '" + tok.text + "'");
  }
  return e;
}

void ExprParser::arguments(Expr& call) {
  while (!at(")")) {
    if (!done() && t_[i_].type == Token::Type::name && i_ + 1 < t_.size() && t_[i_ + 1].text == "=") {
      std::string key = t_[i_].text;
      i_ += 2;
      call.keyword.emplace_back(key, expression());
    } else {
      call.items.push_back(expression());
    }
    if (!take(",")) break;
  }
  expect(")");
}

ExprPtr ExprParser::postfix(ExprPtr e) {
  while (true) {
    const SourcePos at_pos = pos();
    if (take(".")) {
      auto a = make_expr(Expr::Kind::attribute, at_pos);
      a->name = name();
      a->items.push_back(std::move(e));
      e = std::move(a);
    } else if (take("[")) {
      ExprPtr parts[3];
      bool slice = false;
      for (int k = 0; k < 3; ++k) {
        if (!at(":") && !at("]")) parts[k] = expression();
        if (k == 2 || !take(":")) break;
        slice = true;
      }
      expect("]");
      auto s = make_expr(slice ? Expr::Kind::slice : Expr::Kind::subscript, at_pos);
      s->items.push_back(std::move(e));
      for (int k = 0; k < (slice ? 3 : 1); ++k) s->items.push_back(std::move(parts[k]));
      if (!slice && !s->items[1]) fail("an empty subscript");
      e = std::move(s);
    } else if (take("(")) {
      auto c = make_expr(Expr::Kind::call, at_pos);
      c->items.push_back(std::move(e));
      arguments(*c);
      e = std::move(c);
    } else {
      return e;
    }
  }
}

ExprPtr ExprParser::filters(ExprPtr e) {
  while (true) {
    const SourcePos at_pos = pos();
    if (take("|")) {
      auto f = make_expr(Expr::Kind::filter, at_pos);
      f->name = name();
      f->items.push_back(std::move(e));
      if (take("(")) arguments(*f);
      e = std::move(f);
    } else if (take("is")) {
      auto t = make_expr(Expr::Kind::test, at_pos);
      t->negated = take("not");
      t->name = name();
      t->items.push_back(std::move(e));
      if (take("(")) {
        arguments(*t);
      } else if (!done() && (t_[i_].type != Token::Type::name || !(at("and") || at("or") || at("else") || at("if") ||
                                                                    at("not") || at("in") || at("is")))) {
        if (t_[i_].type != Token::Type::op || at("-") || at("[") || at("{")) t->items.push_back(primary());
      }
      e = std::move(t);
    } else {
      return e;
    }
  }
}

}  // namespace trawl::jinja
