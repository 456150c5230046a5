// lib/text: what a chat template may call: filters (`x | trim`), tests
// (`x is defined`), methods of strings, dicts and lists
// (`s.startswith('a')`), and global functions (range, namespace,
// raise_exception, ...), with Python's and Jinja's semantics.
#pragma once

#include <string>

#include "core/error.hpp"
#include "text/jinja_value.hpp"

namespace trawl::jinja {

// Each throws InputError at `pos` for a name it does not know, naming it,
// and for arguments of the wrong kind.
Value apply_filter(const std::string& name, const Value& input, Arguments& args, const SourcePos& pos);
bool apply_test(const std::string& name, const Value& input, Arguments& args, const SourcePos& pos);
// `object.name` as a bound method; undefined when `object` has no such method.
Value method(const Value& object, const std::string& name, const SourcePos& pos);
// The globals every template sees: range, namespace, dict, raise_exception, strftime_now.
Dict global_functions();

// InputError at `pos`: "chat template: <problem>".
[[noreturn]] void fail_at(const SourcePos& pos, const std::string& problem);
// A call's argument i, or its keyword argument `key`, else `fallback`.
Value argument(const Arguments& args, std::size_t i, const char* key, Value fallback = Value());

// A position as Python indexes: negative counts from the end.
std::optional<std::size_t> python_index(std::int64_t index, std::size_t size);

}  // namespace trawl::jinja
