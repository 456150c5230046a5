// lib/text: a Hugging Face tokenizer.json, run as Hugging Face's tokenizers
// (the Rust library transformers' fast tokenizers use) runs it: added
// tokens split out first, then normalizer -> pre-tokenizer -> BPE ->
// post-processor; and tokenizer_config.json's add_bos_token/add_eos_token
// the way transformers' Llama-style fast tokenizers apply them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

struct TokenizerFiles {
  std::string tokenizer_json;    // its path
  std::string tokenizer_config;  // its path; "" when the directory has none
};

class Tokenizer {
 public:
  // Reads DIR/tokenizer.json (and DIR/tokenizer_config.json when there).
  // Throws InputError naming the file and the JSON path of what it cannot
  // read or does not implement.
  static Tokenizer from_dir(const std::string& dir);
  explicit Tokenizer(const TokenizerFiles& files);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // The ids of `text` (valid UTF-8), with the special tokens the
  // post-processor (or tokenizer_config.json) adds when add_special_tokens.
  // Thread-safe.
  std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  std::string decode(const std::vector<std::int32_t>& ids, bool skip_special_tokens = false) const;
  // Where each of `ids` (encode(text, false)) ends in `text`, in bytes: each
  // token decoded alone, the pieces spelling `text` back in order. nullopt
  // where they do not (a normalizer or pre-tokenizer that changes the text,
  // a SentencePiece-style decoder): then no token can be placed in `text`.
  std::optional<std::vector<std::size_t>> token_ends(const std::vector<std::int32_t>& ids,
                                                     std::string_view text) const;

  // tokenizer_config.json's eos_token, as an id; nullopt when it names none.
  std::optional<std::int32_t> eos_id() const;
  // tokenizer_config.json's pad_token, likewise.
  std::optional<std::int32_t> pad_id() const;
  const TokenizerFiles& files() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trawl
