#include <string>
#include <vector>

#include "text/jinja_expr_parser.hpp"

namespace trawl::jinja {

namespace {

std::unique_ptr<Stmt> make_stmt(Stmt::Kind kind, const SourcePos& pos) {
  auto s = std::make_unique<Stmt>();
  s->kind = kind;
  s->pos = pos;
  return s;
}

// Reads the segments into statements: a block's body runs to the tag that
// ends it, whose first word the caller gets back.
class StatementParser {
 public:
  explicit StatementParser(const std::vector<Segment>& segments) : segments_(segments) {}

  Body all() {
    std::string ended;
    Body body = until({}, ended);
    return body;
  }

 private:
  Body until(const std::vector<std::string>& ends, std::string& ended);
  std::unique_ptr<Stmt> tag();
  std::unique_ptr<Stmt> if_block(ExprParser& p, const SourcePos& pos);
  std::unique_ptr<Stmt> for_block(ExprParser& p, const SourcePos& pos);
  std::unique_ptr<Stmt> set_statement(ExprParser& p, const SourcePos& pos);
  std::unique_ptr<Stmt> macro_block(ExprParser& p, const SourcePos& pos);
  // The body of a block opened at `pos` up to one of `ends`, which must come.
  Body block(const std::vector<std::string>& ends, const std::string& opener, const SourcePos& pos,
             std::string& ended) {
    ++k_;
    Body body = until(ends, ended);
    if (ended.empty())
      throw input_error_at(pos, "chat template: '" + opener + "' is never closed (expected '" + ends.back() + "')");
    return body;
  }
  // The tokens after the first word of the tag at k_, parsed to their end.
  ExprParser rest_of_tag() const {
    ExprParser p(segments_[k_].tokens, segments_[k_].pos);
    p.take(p.peek().c_str());
    return p;
  }

  const std::vector<Segment>& segments_;
  std::size_t k_ = 0;
};

Body StatementParser::until(const std::vector<std::string>& ends, std::string& ended) {
  Body body;
  for (; k_ < segments_.size(); ++k_) {
    const Segment& seg = segments_[k_];
    if (seg.kind == Segment::Kind::text) {
      auto s = make_stmt(Stmt::Kind::text, seg.pos);
      s->text = seg.text;
      body.push_back(std::move(s));
      continue;
    }
    if (seg.kind == Segment::Kind::output) {
      ExprParser p(seg.tokens, seg.pos);
      auto s = make_stmt(Stmt::Kind::output, seg.pos);
      s->expr = p.expression();
      p.expect_end();
      body.push_back(std::move(s));
      continue;
    }
    const std::string& word = seg.tokens[0].text;
    for (const std::string& end : ends)
      if (word == end) {
        ended = word;
        return body;
      }
    body.push_back(tag());
  }
  ended.clear();
  return body;
}

std::unique_ptr<Stmt> StatementParser::tag() {
  const Segment& seg = segments_[k_];
  const std::string word = seg.tokens[0].type == Token::Type::name ? seg.tokens[0].text : "";
  ExprParser p(seg.tokens, seg.pos);
  p.take(word.c_str());
  if (word == "if") return if_block(p, seg.pos);
  if (word == "for") return for_block(p, seg.pos);
  if (word == "set") return set_statement(p, seg.pos);
  if (word == "macro") return macro_block(p, seg.pos);
  if (word == "break" || word == "continue" || word == "generation") {
    p.expect_end();
    auto s = make_stmt(word == "break" ? Stmt::Kind::break_ : word == "continue" ? Stmt::Kind::continue_
                                                                                 : Stmt::Kind::generation,
                       seg.pos);
    std::string ended;
    if (word == "generation") s->body = block({"endgeneration"}, word, seg.pos, ended);
    return s;
  }
  throw input_error_at(seg.tokens[0].pos, "chat template: the tag '" + seg.tokens[0].text +
                                              "' is not supported (if, for, set, macro, break, continue and "
                                              "generation are)");
}

std::unique_ptr<Stmt> StatementParser::if_block(ExprParser& p, const SourcePos& pos) {
  auto s = make_stmt(Stmt::Kind::if_, pos);
  ExprPtr condition = p.expression();
  p.expect_end();
  std::string ended;
  while (true) {
    Body body = block({"elif", "else", "endif"}, "if", pos, ended);
    s->branches.emplace_back(std::move(condition), std::move(body));
    if (ended != "elif") break;
    ExprParser next = rest_of_tag();
    condition = next.expression();
    next.expect_end();
  }
  if (ended == "else") {
    rest_of_tag().expect_end();
    s->else_body = block({"endif"}, "if", pos, ended);
  }
  rest_of_tag().expect_end();
  return s;
}

std::unique_ptr<Stmt> StatementParser::for_block(ExprParser& p, const SourcePos& pos) {
  auto s = make_stmt(Stmt::Kind::for_, pos);
  do {
    s->targets.push_back(p.name());
  } while (p.take(","));
  p.expect("in");
  s->expr = p.or_expr();
  if (p.take("if")) s->filter = p.or_expr();
  if (p.take("recursive")) p.fail("recursive loops are not supported");
  p.expect_end();
  std::string ended;
  s->body = block({"else", "endfor"}, "for", pos, ended);
  if (ended == "else") {
    rest_of_tag().expect_end();
    s->else_body = block({"endfor"}, "for", pos, ended);
  }
  rest_of_tag().expect_end();
  return s;
}

std::unique_ptr<Stmt> StatementParser::set_statement(ExprParser& p, const SourcePos& pos) {
  auto s = make_stmt(Stmt::Kind::set, pos);
  s->targets.push_back(p.name());
  if (p.take(".")) s->attribute = p.name();
  if (p.take("=")) {
    s->expr = p.expression();
    p.expect_end();
    return s;
  }
  if (p.peek() == ",") p.fail("setting several names at once is not supported");
  p.expect_end();  // {% set name %}...{% endset %}
  std::string ended;
  s->body = block({"endset"}, "set", pos, ended);
  rest_of_tag().expect_end();
  return s;
}

std::unique_ptr<Stmt> StatementParser::macro_block(ExprParser& p, const SourcePos& pos) {
  auto s = make_stmt(Stmt::Kind::macro, pos);
  s->name = p.name();
  p.expect("(");
  while (!p.take(")")) {
    s->targets.push_back(p.name());
    s->defaults.push_back(p.take("=") ? p.expression() : nullptr);
    if (!p.take(",")) {
      p.expect(")");
      break;
    }
  }
  p.expect_end();
  std::string ended;
  s->body = block({"endmacro"}, "macro", pos, ended);
  return s;
}

}  // namespace

Body parse_template(const std::string& source, const std::string& name) {
  const std::vector<Segment> segments = lex_template(source, name);
  StatementParser parser(segments);
  return parser.all();
}

}  // namespace trawl::jinja
