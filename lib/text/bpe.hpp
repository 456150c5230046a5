// lib/text (internal): the BPE model of tokenizer.json, as Hugging Face's
// tokenizers runs it: a pre-token's characters (or, with byte_fallback,
// the <0xNN> tokens of characters the vocabulary lacks) merged pair by pair,
// the pair of lowest rank first, the leftmost of equal ones.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "text/components.hpp"

namespace trawl {

class Bpe {
 public:
  Bpe(const nlohmann::json& model, const JsonPlace& at);
  // Appends the ids of one pre-token to `ids`.
  void encode(const std::string& word, std::vector<std::int32_t>& ids) const;
  const std::unordered_map<std::string, std::int32_t>& vocab() const { return vocab_; }
  // The token of an id; nullptr when the vocabulary has none.
  const std::string* token(std::int32_t id) const {
    const auto i = static_cast<std::size_t>(id);
    return id >= 0 && i < token_of_id_.size() && !token_of_id_[i].empty() ? &token_of_id_[i] : nullptr;
  }

 private:
  void read_merges(const nlohmann::json& merges, const JsonPlace& at);
  void initial_symbols(const std::string& word, std::vector<std::int32_t>& symbols) const;
  void merge(std::vector<std::int32_t>& symbols) const;

  std::unordered_map<std::string, std::int32_t> vocab_;
  std::vector<std::string> token_of_id_;
  struct Merge {
    std::int32_t rank, id;
  };
  std::unordered_map<std::uint64_t, Merge> merges_;  // (left id << 32 | right id)
  std::int32_t unk_ = -1;
  bool byte_fallback_ = false, fuse_unk_ = false, ignore_merges_ = false;
  std::string prefix_, suffix_;  // continuing_subword_prefix, end_of_word_suffix
  // Pre-tokens seen before: real text repeats its words.
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

}  // namespace trawl
