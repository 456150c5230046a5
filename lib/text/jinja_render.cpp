#include "text/jinja_renderer.hpp"

namespace trawl::jinja {

using Kind = Value::Kind;

namespace {

List iterable(const Value& v, const SourcePos& pos) {
  Arguments none;
  if (v.is(Kind::undefined)) return {};
  return apply_filter("list", v, none, pos).list();
}

}  // namespace

Flow Renderer::run(const Body& body) {
  for (const auto& stmt : body) {
    const Stmt& s = *stmt;
    switch (s.kind) {
      case Stmt::Kind::text: out += s.text; break;
      case Stmt::Kind::output: out += eval(*s.expr).str(); break;
      case Stmt::Kind::if_: {
        const Body* chosen = &s.else_body;
        for (const auto& [condition, branch] : s.branches)
          if (eval(*condition).truthy()) {
            chosen = &branch;
            break;
          }
        const Flow flow = run(*chosen);
        if (flow != Flow::normal) return flow;
        break;
      }
      case Stmt::Kind::for_: run_for(s); break;
      case Stmt::Kind::set: run_set(s); break;
      case Stmt::Kind::macro: define_macro(s); break;
      case Stmt::Kind::break_: return Flow::break_;
      case Stmt::Kind::continue_: return Flow::continue_;
      case Stmt::Kind::generation: {
        const Flow flow = run(s.body);
        if (flow != Flow::normal) return flow;
        break;
      }
    }
  }
  return Flow::normal;
}

Flow Renderer::run_for(const Stmt& s) {
  List items = iterable(eval(*s.expr), s.expr->pos);
  scopes_.emplace_back();
  if (s.filter) {  // `for x in xs if cond`: loop.* counts the kept items only
    List kept;
    for (const Value& item : items) {
      scopes_.back()[s.targets[0]] = item;
      if (eval(*s.filter).truthy()) kept.push_back(item);
    }
    items = std::move(kept);
  }
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    const Value& item = items[static_cast<std::size_t>(i)];
    Scope& scope = scopes_.back();
    if (s.targets.size() == 1) {
      scope[s.targets[0]] = item;
    } else {
      if (!item.is(Kind::list) || item.list().size() != s.targets.size())
        fail_at(s.pos, "cannot unpack " + item.repr() + " into " + std::to_string(s.targets.size()) + " names");
      for (std::size_t t = 0; t < s.targets.size(); ++t) scope[s.targets[t]] = item.list()[t];
    }
    scope["loop"] = Value(Dict{{"index0", Value(i)}, {"index", Value(i + 1)}, {"first", Value(i == 0)},
                               {"last", Value(i == n - 1)}, {"length", Value(n)}, {"revindex", Value(n - i)},
                               {"revindex0", Value(n - i - 1)},
                               {"previtem", i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value()},
                               {"nextitem", i + 1 < n ? items[static_cast<std::size_t>(i + 1)] : Value()}});
    if (run(s.body) == Flow::break_) break;
  }
  scopes_.pop_back();
  if (n == 0) return run(s.else_body);
  return Flow::normal;
}

void Renderer::run_set(const Stmt& s) {
  Value value;
  if (s.expr) {
    value = eval(*s.expr);
  } else {
    Renderer inner(Dict{});
    inner.scopes_ = scopes_;
    inner.run(s.body);
    value = Value(inner.out);
  }
  if (s.attribute.empty()) {
    scopes_.back()[s.targets[0]] = value;
    return;
  }
  const Value target = lookup(s.targets[0]);
  if (!target.is_namespace())
    fail_at(s.pos, "'" + s.targets[0] + "' is not a namespace: only a namespace's attributes can be set");
  target.set(s.attribute, value);
}

void Renderer::define_macro(const Stmt& s) {
  const Scope globals = scopes_.front();
  scopes_.back()[s.name] = Value::function([&s, globals](Arguments& a) {
    Renderer inner(Dict{});
    inner.scopes_ = {globals, Scope{}};
    for (std::size_t p = 0; p < s.targets.size(); ++p) {
      Value v = p < a.positional.size() ? a.positional[p] : s.defaults[p] ? inner.eval(*s.defaults[p]) : Value();
      for (const auto& [k, kv] : a.keyword)
        if (k == s.targets[p]) v = kv;
      inner.scopes_.back()[s.targets[p]] = v;
    }
    inner.run(s.body);
    return Value(inner.out);
  });
}

}  // namespace trawl::jinja
