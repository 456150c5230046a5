#include "text/jinja_builtins.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

namespace trawl::jinja {

namespace {

using Kind = Value::Kind;

const std::string& text_of(const Value& v, const SourcePos& pos, const char* what) {
  if (!v.is(Kind::string)) fail_at(pos, std::string(what) + " needs a string, not " + v.type_name());
  return v.string();
}

// Python's str.strip family: `chars` (none: whitespace) off one or both ends.
std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
  const std::string set = chars.is(Kind::string) ? chars.string() : std::string(" \t\n\r\f\v");
  std::size_t b = 0, e = s.size();
  if (left)
    while (b < e && set.find(s[b]) != std::string::npos) ++b;
  if (right)
    while (e > b && set.find(s[e - 1]) != std::string::npos) --e;
  return s.substr(b, e - b);
}

Value split(const std::string& s, const Value& sep, std::int64_t max_split) {
  List parts;
  if (!sep.is(Kind::string)) {  // whitespace runs, none empty
    std::size_t i = 0;
    while (true) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size()) break;
      if (max_split >= 0 && static_cast<std::int64_t>(parts.size()) == max_split) {
        parts.emplace_back(strip(s.substr(i), Value(), false, true));
        break;
      }
      std::size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      parts.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return Value(std::move(parts));
  }
  const std::string& by = sep.string();
  std::size_t from = 0;
  for (std::size_t at; (max_split < 0 || static_cast<std::int64_t>(parts.size()) < max_split) &&
                       (at = s.find(by, from)) != std::string::npos;
       from = at + by.size())
    parts.emplace_back(s.substr(from, at - from));
  parts.emplace_back(s.substr(from));
  return Value(std::move(parts));
}

std::string replace(std::string s, const std::string& old, const std::string& with, std::int64_t count) {
  if (old.empty()) return s;
  for (std::size_t at = 0; count != 0 && (at = s.find(old, at)) != std::string::npos; at += with.size(), --count)
    s.replace(at, old.size(), with);
  return s;
}

std::string cased(std::string s, int (*f)(int)) {
  for (char& c : s) c = static_cast<char>(f(static_cast<unsigned char>(c)));
  return s;
}

std::string title(std::string s) {
  bool start = true;
  for (char& c : s) {
    const bool alpha = std::isalpha(static_cast<unsigned char>(c)) != 0;
    c = static_cast<char>(alpha && start ? std::toupper(static_cast<unsigned char>(c))
                                         : std::tolower(static_cast<unsigned char>(c)));
    start = !alpha;
  }
  return s;
}

Value string_method(const std::string& s, const std::string& name, Arguments& a, const SourcePos& pos) {
  if (name == "startswith" || name == "endswith") {
    const Value prefix = argument(a, 0, "prefix");
    List options = prefix.is(Kind::list) ? prefix.list() : List{prefix};
    for (const Value& o : options) {
      const std::string& p = text_of(o, pos, name.c_str());
      if (p.size() <= s.size() && s.compare(name == "startswith" ? 0 : s.size() - p.size(), p.size(), p) == 0)
        return Value(true);
    }
    return Value(false);
  }
  if (name == "strip") return Value(strip(s, argument(a, 0, "chars"), true, true));
  if (name == "lstrip") return Value(strip(s, argument(a, 0, "chars"), true, false));
  if (name == "rstrip") return Value(strip(s, argument(a, 0, "chars"), false, true));
  if (name == "split") return split(s, argument(a, 0, "sep"), argument(a, 1, "maxsplit", Value(-1)).integer());
  if (name == "replace")
    return Value(replace(s, text_of(argument(a, 0, "old"), pos, "replace"), text_of(argument(a, 1, "new"), pos, "replace"),
                         argument(a, 2, "count", Value(-1)).integer()));
  if (name == "upper") return Value(cased(s, ::toupper));
  if (name == "lower") return Value(cased(s, ::tolower));
  if (name == "title") return Value(title(s));
  if (name == "capitalize") return Value(s.empty() ? s : cased(s.substr(0, 1), ::toupper) + cased(s.substr(1), ::tolower));
  if (name == "find") {
    const auto at = s.find(text_of(argument(a, 0, "sub"), pos, "find"));
    return Value(at == std::string::npos ? std::int64_t{-1} : static_cast<std::int64_t>(at));
  }
  if (name == "count") {
    const std::string& sub = text_of(argument(a, 0, "sub"), pos, "count");
    std::int64_t n = 0;
    for (std::size_t at = 0; !sub.empty() && (at = s.find(sub, at)) != std::string::npos; at += sub.size()) ++n;
    return Value(n);
  }
  if (name == "join") {
    const Value items = argument(a, 0, "iterable");
    std::string out;
    if (items.is(Kind::list))
      for (std::size_t i = 0; i < items.list().size(); ++i) out += (i ? s : "") + items.list()[i].str();
    return Value(out);
  }
  fail_at(pos, "strings have no method '" + name + "' here");
}

}  // namespace

void fail_at(const SourcePos& pos, const std::string& problem) {
  throw input_error_at(pos, "chat template: " + problem);
}

Value argument(const Arguments& args, std::size_t i, const char* key, Value fallback) {
  for (const auto& [k, v] : args.keyword)
    if (k == key) return v;
  return i < args.positional.size() ? args.positional[i] : fallback;
}

std::optional<std::size_t> python_index(std::int64_t index, std::size_t size) {
  const std::int64_t n = static_cast<std::int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<std::size_t>(index);
}

Value method(const Value& object, const std::string& name, const SourcePos& pos) {
  static const char* string_methods[] = {"startswith", "endswith", "strip", "lstrip", "rstrip", "split", "replace",
                                         "upper", "lower", "title", "capitalize", "find", "count", "join"};
  if (object.is(Kind::string)) {
    if (std::find(std::begin(string_methods), std::end(string_methods), name) == std::end(string_methods))
      return Value();
    return Value::function([s = object.string(), name, pos](Arguments& a) { return string_method(s, name, a, pos); });
  }
  if (object.is(Kind::dict) && !object.is_namespace()) {
    if (name == "items" || name == "keys" || name == "values")
      return Value::function([object, name](Arguments&) {
        List out;
        for (const auto& [k, v] : object.dict())
          out.push_back(name == "items" ? Value(List{Value(k), v}) : name == "keys" ? Value(k) : v);
        return Value(std::move(out));
      });
    if (name == "get")
      return Value::function([object](Arguments& a) {
        const Value found = object.get(argument(a, 0, "key").str());
        return found.defined() ? found : argument(a, 1, "default", Value(nullptr));
      });
  }
  return Value();
}

Dict global_functions() {
  Dict g;
  g.emplace_back("range", Value::function([](Arguments& a) {
    std::int64_t start = 0, stop = 0, step = 1;
    if (a.positional.size() == 1) stop = a.positional[0].integer();
    if (a.positional.size() >= 2) start = a.positional[0].integer(), stop = a.positional[1].integer();
    if (a.positional.size() >= 3) step = a.positional[2].integer();
    List out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.emplace_back(i);
    return Value(std::move(out));
  }));
  g.emplace_back("namespace", Value::function([](Arguments& a) {
    Dict attributes(a.keyword.begin(), a.keyword.end());
    return Value(std::move(attributes), true);
  }));
  g.emplace_back("dict", Value::function([](Arguments& a) { return Value(Dict(a.keyword.begin(), a.keyword.end())); }));
  g.emplace_back("strftime_now", Value::function([](Arguments& a) {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buf[256] = {};
    std::strftime(buf, sizeof buf, argument(a, 0, "format", Value("%Y-%m-%d")).str().c_str(), &local);
    return Value(std::string(buf));
  }));
  return g;
}

}  // namespace trawl::jinja
