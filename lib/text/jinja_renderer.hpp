// lib/text: the interpreter of a parsed chat template: statements
// (jinja_render.cpp) and expressions (jinja_eval.cpp) against scopes of
// variables, appending what it renders.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "text/jinja_ast.hpp"
#include "text/jinja_builtins.hpp"

namespace trawl::jinja {

enum class Flow { normal, break_, continue_ };

// Runs a template's statements against its variables, appending to `out`.
class Renderer {
 public:
  using Scope = std::unordered_map<std::string, Value>;
  explicit Renderer(Dict globals) { scopes_.emplace_back(globals.begin(), globals.end()); }
  std::string out;

  Flow run(const Body& body);
  Value eval(const Expr& e);

 private:
  Value lookup(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return found->second;
    }
    return Value();
  }
  Flow run_for(const Stmt& s);
  void run_set(const Stmt& s);
  void define_macro(const Stmt& s);
  Value binary(const Expr& e);
  Value arithmetic(const std::string& op, const Value& a, const Value& b, const SourcePos& pos);
  Value attribute(const Value& object, const std::string& name, const SourcePos& pos);
  Value subscript(const Value& object, const Value& index, const SourcePos& pos);
  Value slice(const Expr& e);
  Arguments arguments(const Expr& e, std::size_t first);

  std::vector<Scope> scopes_;
};

}  // namespace trawl::jinja
