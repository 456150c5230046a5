// lib/core: small text helpers used by messages and tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::vector<std::string> split(std::string_view text, char sep);

// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);
// " (did you mean 'x'?)" for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// The whole of `text` as a number: nullopt for empty text, trailing
// characters or a value out of range (no silent 0 as strtoll would give).
std::optional<std::int64_t> parse_int64(std::string_view text);
std::optional<double> parse_double(std::string_view text);

// "an integer", "a float": the word with its indefinite article.
std::string with_article(std::string_view word);

// Shortest decimal text that reads back as the same double ("0.001", "1e-05").
std::string format_double(double value);
// One number through a printf format ("%.4f"), for messages and tables.
std::string format_number(double value, const char* printf_format);
// A whole file's bytes; InputError "<path>: cannot read <what>" when it cannot be read.
std::string read_text_file(const std::string& path, const std::string& what);
// Shell-style glob match of a whole name: '*', '?' and '[...]'.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace trawl
