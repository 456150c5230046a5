// lib/text (internal): the parts of a tokenizer.json pipeline, each a small
// type with one job, as Hugging Face's tokenizers composes them:
// normalizer -> pre-tokenizer -> model (BPE) -> post-processor, and a
// decoder back to text. Each is made from its JSON object; a type trawl does
// not implement is an InputError naming its place in the file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/onig_regex.hpp"

namespace trawl {

// Where a JSON value is: the file and the path inside it, for errors.
struct JsonPlace {
  std::string file;
  std::string path;  // "pre_tokenizer.pretokenizers[1]"

  JsonPlace operator/(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  JsonPlace operator[](std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
  [[noreturn]] void fail(const std::string& problem) const;
};

// The typed reads of a component's fields, each failing at its place.
const nlohmann::json& member(const nlohmann::json& object, const char* key, const JsonPlace& at);
std::string string_member(const nlohmann::json& object, const char* key, const JsonPlace& at,
                          const char* fallback = nullptr);
bool bool_member(const nlohmann::json& object, const char* key, const JsonPlace& at, bool fallback);
// The component's "type"; null means none.
std::string component_type(const nlohmann::json& object, const JsonPlace& at);

// A JSON file (tokenizer.json, tokenizer_config.json), or InputError naming it.
nlohmann::json read_json(const std::string& path);
// tokenizer_config.json's token `key` (bos_token, ...), written as a string
// or as an AddedToken object; "" when it names none.
std::string config_token(const nlohmann::json& config, const char* key);

// A split pattern: {"String": s} or {"Regex": r}. Its pieces of a text cover
// it, each [start, end) with whether it matched, as Hugging Face's
// Pattern::find_matches gives them.
class SplitPattern {
 public:
  SplitPattern(const nlohmann::json& pattern, const JsonPlace& at);
  std::vector<std::pair<std::pair<std::size_t, std::size_t>, bool>> pieces(const std::string& text) const;
  // `text` with every match replaced by `content` (the Replace normalizer and decoder).
  std::string replace(const std::string& text, const std::string& content) const;

 private:
  std::string literal_;
  std::shared_ptr<const OnigPattern> regex_;
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& json, const JsonPlace& at);

// A piece of text the pre-tokenizer produced; `first` while it starts the
// text that was given to it (Metaspace's prepend_scheme "first").
struct Piece {
  std::string text;
  bool first = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void split(std::vector<Piece>& pieces) const = 0;
};
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& json, const JsonPlace& at);

// The special tokens a post-processor adds around one sequence, as ids.
struct SpecialIds {
  std::vector<std::int32_t> before, after;
};
// null or ByteLevel add nothing; TemplateProcessing adds its single
// template's special tokens; Sequence, each in turn.
SpecialIds make_post_processor(const nlohmann::json& json, const JsonPlace& at);

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Turns the tokens' strings into the strings that are joined into text.
  virtual void decode(std::vector<std::string>& tokens) const = 0;
};
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& json, const JsonPlace& at);

// GPT-2's map of the 256 bytes onto printable code points, and back.
const std::vector<std::string>& byte_level_chars();
// The byte a byte-level character stands for; -1 for another character.
int byte_of_byte_level_char(char32_t c);

}  // namespace trawl
