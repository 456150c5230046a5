#include "text/components.hpp"

#include <fstream>

#include "core/error.hpp"
#include "text/utf8.hpp"

namespace trawl {

void JsonPlace::fail(const std::string& problem) const {
  throw input_error_at(SourcePos{file, 0, 0}, (path.empty() ? "" : path + ": ") + problem);
}

const nlohmann::json& member(const nlohmann::json& object, const char* key, const JsonPlace& at) {
  if (!object.is_object()) at.fail("must be an object");
  const auto found = object.find(key);
  if (found == object.end()) (at / key).fail("is missing");
  return *found;
}

std::string string_member(const nlohmann::json& object, const char* key, const JsonPlace& at, const char* fallback) {
  if (fallback && (!object.contains(key) || object[key].is_null())) return fallback;
  const nlohmann::json& value = member(object, key, at);
  if (!value.is_string()) (at / key).fail("must be a string");
  return value.get<std::string>();
}

bool bool_member(const nlohmann::json& object, const char* key, const JsonPlace& at, bool fallback) {
  if (!object.contains(key) || object[key].is_null()) return fallback;
  if (!object[key].is_boolean()) (at / key).fail("must be true or false");
  return object[key].get<bool>();
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error_at(SourcePos{path, 0, 0}, "cannot read the file");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw input_error_at(SourcePos{path, 0, 0}, std::string("is not JSON: ") + e.what());
  }
}

std::string config_token(const nlohmann::json& config, const char* key) {
  const auto found = config.find(key);
  if (found == config.end() || found->is_null()) return "";
  if (found->is_string()) return found->get<std::string>();
  if (found->is_object() && found->contains("content") && (*found)["content"].is_string())
    return (*found)["content"].get<std::string>();
  return "";
}

std::string component_type(const nlohmann::json& object, const JsonPlace& at) {
  if (object.is_null()) return "";
  return string_member(object, "type", at);
}

SplitPattern::SplitPattern(const nlohmann::json& pattern, const JsonPlace& at) {
  if (pattern.is_object() && pattern.contains("String")) {
    literal_ = string_member(pattern, "String", at);
  } else if (pattern.is_object() && pattern.contains("Regex")) {
    const std::string regex = string_member(pattern, "Regex", at);
    try {
      regex_ = std::make_shared<const OnigPattern>(regex);
    } catch (const InputError& e) {
      (at / "Regex").fail(e.problem());
    }
  } else {
    at.fail("must be {\"String\": ...} or {\"Regex\": ...}");
  }
}

std::vector<std::pair<std::pair<std::size_t, std::size_t>, bool>> SplitPattern::pieces(const std::string& text) const {
  std::vector<std::pair<std::pair<std::size_t, std::size_t>, bool>> out;
  if (text.empty() || (!regex_ && literal_.empty())) {
    out.push_back({{0, text.size()}, false});
    return out;
  }
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  if (regex_) {
    matches = regex_->find_all(text);
  } else {
    for (std::size_t at = text.find(literal_); at != std::string::npos; at = text.find(literal_, at + literal_.size()))
      matches.emplace_back(at, at + literal_.size());
  }
  std::size_t previous = 0;
  for (const auto& [start, end] : matches) {
    if (start != previous) out.push_back({{previous, start}, false});
    out.push_back({{start, end}, true});
    previous = end;
  }
  if (previous != text.size()) out.push_back({{previous, text.size()}, false});
  return out;
}

std::string SplitPattern::replace(const std::string& text, const std::string& content) const {
  std::string out;
  for (const auto& [range, matched] : pieces(text))
    out += matched ? content : text.substr(range.first, range.second - range.first);
  return out;
}

namespace {

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others
// for 256 + n in order.
std::vector<char32_t> byte_level_code_points() {
  std::vector<char32_t> map(256);
  int next = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    map[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + next++);
  }
  return map;
}

}  // namespace

const std::vector<std::string>& byte_level_chars() {
  static const std::vector<std::string> chars = [] {
    std::vector<std::string> out(256);
    const std::vector<char32_t> map = byte_level_code_points();
    for (int b = 0; b < 256; ++b) utf8_append(out[b], map[b]);
    return out;
  }();
  return chars;
}

int byte_of_byte_level_char(char32_t c) {
  static const std::vector<int> back = [] {
    std::vector<int> out(512, -1);
    const std::vector<char32_t> map = byte_level_code_points();
    for (int b = 0; b < 256; ++b) out[map[b]] = b;
    return out;
  }();
  return c < back.size() ? back[c] : -1;
}

}  // namespace trawl
