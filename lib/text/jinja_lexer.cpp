#include "text/jinja_lexer.hpp"

#include <cctype>
#include <cstring>

namespace trawl::jinja {

namespace {

// Reads the template left to right, keeping line and column.
class Scanner {
 public:
  Scanner(const std::string& source, const std::string& name) : s_(source) { pos_.file = name, pos_.line = 1, pos_.column = 1; }
  bool done() const { return i_ >= s_.size(); }
  bool at(const char* text) const { return s_.compare(i_, std::strlen(text), text) == 0; }
  char peek(std::size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  char next() {
    const char c = s_[i_++];
    if (c == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++pos_.column;  // one column per character, not per UTF-8 byte
    }
    return c;
  }
  void skip(std::size_t n) {
    while (n-- > 0 && !done()) next();
  }
  const SourcePos& pos() const { return pos_; }
  [[noreturn]] void fail(const std::string& problem) const { throw input_error_at(pos_, "chat template: " + problem); }

 private:
  const std::string& s_;
  std::size_t i_ = 0;
  SourcePos pos_;
};

std::string read_string(Scanner& in) {
  const char quote = in.next();
  std::string out;
  while (!in.done() && in.peek() != quote) {
    char c = in.next();
    if (c == '\\' && !in.done()) {
      const char e = in.next();
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case '0': c = '\0'; break;
        default: c = e;  // \\ \' \" and anything else as itself
      }
    }
    out += c;
  }
  if (in.done()) in.fail("a string that never ends");
  in.next();
  return out;
}

Token read_token(Scanner& in) {
  Token t;
  t.pos = in.pos();
  const char c = in.peek();
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    t.type = Token::Type::name;
    while (std::isalnum(static_cast<unsigned char>(in.peek())) || in.peek() == '_') t.text += in.next();
  } else if (std::isdigit(static_cast<unsigned char>(c))) {
    t.type = Token::Type::integer;
    while (std::isdigit(static_cast<unsigned char>(in.peek())) || in.peek() == '_') t.text += in.next();
    if (in.peek() == '.' && std::isdigit(static_cast<unsigned char>(in.peek(1)))) {
      t.type = Token::Type::real;
      t.text += in.next();
      while (std::isdigit(static_cast<unsigned char>(in.peek()))) t.text += in.next();
    }
  } else if (c == '\'' || c == '"') {
    t.type = Token::Type::string;
    t.text = read_string(in);
  } else {
    for (const char* op : {"//", "**", "==", "!=", "<=", ">="})
      if (in.at(op)) {
        t.text = op;
        in.skip(2);
        return t;
      }
    if (!std::strchr("+-*/%~|.,:()[]{}<>=", c)) in.fail(std::string("unexpected character '") + c + "'");
    t.text = in.next();
  }
  return t;
}

// The tokens of a tag up to its closer ("}}", "%}"); whether a '-' before
// the closer asks to strip the whitespace after it.
std::vector<Token> read_tag(Scanner& in, const char* closer, bool& strip_after) {
  std::vector<Token> tokens;
  const std::string dash_closer = std::string("-") + closer;
  while (true) {
    while (std::isspace(static_cast<unsigned char>(in.peek()))) in.next();
    if (in.done()) in.fail(std::string("a tag that is never closed with '") + closer + "'");
    if (in.at(dash_closer.c_str()) || in.at(closer)) {
      strip_after = in.peek() == '-';
      in.skip(strip_after ? 3 : 2);
      return tokens;
    }
    tokens.push_back(read_token(in));
  }
}

void strip_right(std::string& text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
}

// lstrip_blocks: spaces and tabs between the line's start and a block tag
// go. `line_start`: the text began a line of the template.
void strip_line_start(std::string& text, bool line_start) {
  const auto newline = text.find_last_of('\n');
  const std::size_t from = newline == std::string::npos ? 0 : newline + 1;
  if (newline == std::string::npos && !line_start) return;
  if (text.find_first_not_of(" \t", from) == std::string::npos) text.erase(from);
}

}  // namespace

std::vector<Segment> lex_template(const std::string& source, const std::string& name) {
  Scanner in(source, name);
  std::vector<Segment> out;
  Segment text{Segment::Kind::text, "", {}, in.pos()};
  bool strip_next = false, trim_newline = false, line_start = true;
  auto flush = [&] {
    if (!text.text.empty()) out.push_back(text);
  };
  while (!in.done()) {
    const bool output = in.at("{{"), statement = in.at("{%"), comment = in.at("{#");
    if (!output && !statement && !comment) {
      const char c = in.peek();
      if (trim_newline && c == '\n') {
        in.next();
        line_start = true;
      } else if (strip_next && std::isspace(static_cast<unsigned char>(c))) {
        in.next();
      } else {
        if (text.text.empty()) text.pos = in.pos();
        text.text += in.next();
        strip_next = false;
      }
      trim_newline = false;
      continue;
    }
    const SourcePos start = in.pos();
    in.skip(2);
    const char mark = in.peek();
    if (mark == '-' || mark == '+') in.next();
    if (mark == '-') strip_right(text.text);
    else if (!output && mark != '+') strip_line_start(text.text, line_start);
    flush();
    text = Segment{Segment::Kind::text, "", {}, in.pos()};
    bool strip_after = false;
    if (comment) {
      while (!in.done() && !in.at("#}") && !in.at("-#}")) in.next();
      if (in.done()) in.fail("a comment that is never closed with '#}'");
      strip_after = in.peek() == '-';
      in.skip(strip_after ? 3 : 2);
    } else {
      Segment tag{output ? Segment::Kind::output : Segment::Kind::statement, "", {}, start};
      tag.tokens = read_tag(in, output ? "}}" : "%}", strip_after);
      if (tag.tokens.empty()) throw input_error_at(start, "chat template: an empty tag");
      out.push_back(std::move(tag));
    }
    strip_next = strip_after;
    line_start = false;
    trim_newline = !strip_after && !output;  // trim_blocks: a block's first newline after it goes
  }
  flush();
  return out;
}

}  // namespace trawl::jinja
