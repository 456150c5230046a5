#include "text/bpe.hpp"

#include <limits>

#include "text/utf8.hpp"

namespace trawl {

namespace {

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
}

constexpr std::size_t cache_limit = 1 << 18;

}  // namespace

Bpe::Bpe(const nlohmann::json& model, const JsonPlace& at) {
  const nlohmann::json& vocab = member(model, "vocab", at);
  if (!vocab.is_object()) (at / "vocab").fail("must be an object of token: id");
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 || id.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max())
      (at / "vocab").fail("the id of \"" + token + "\" is not a non-negative integer");
    const auto n = id.get<std::int32_t>();
    vocab_[token] = n;
    if (token_of_id_.size() <= static_cast<std::size_t>(n)) token_of_id_.resize(static_cast<std::size_t>(n) + 1);
    token_of_id_[static_cast<std::size_t>(n)] = token;
  }
  if (!model.value("dropout", nlohmann::json()).is_null() && model["dropout"].get<double>() != 0.0)
    (at / "dropout").fail("BPE dropout is not implemented (it makes tokens random)");
  const std::string unk = string_member(model, "unk_token", at, "");
  if (!unk.empty()) {
    const auto found = vocab_.find(unk);
    if (found == vocab_.end()) (at / "unk_token").fail("\"" + unk + "\" is not in the vocabulary");
    unk_ = found->second;
  }
  byte_fallback_ = bool_member(model, "byte_fallback", at, false);
  fuse_unk_ = bool_member(model, "fuse_unk", at, false);
  ignore_merges_ = bool_member(model, "ignore_merges", at, false);
  prefix_ = string_member(model, "continuing_subword_prefix", at, "");
  suffix_ = string_member(model, "end_of_word_suffix", at, "");
  read_merges(member(model, "merges", at), at / "merges");
}

// Merges as "a b" strings (older files) or ["a", "b"] pairs (newer ones).
void Bpe::read_merges(const nlohmann::json& merges, const JsonPlace& at) {
  if (!merges.is_array()) at.fail("must be a list");
  merges_.reserve(merges.size());
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const nlohmann::json& m = merges[rank];
    std::string left, right;
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      const std::size_t space = s.find(' ', 1);
      if (space == std::string::npos) at[rank].fail("\"" + s + "\" is not two tokens separated by a space");
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    } else {
      at[rank].fail("must be \"a b\" or [\"a\", \"b\"]");
    }
    const std::string merged = left + right.substr(std::min(prefix_.size(), right.size()));
    const auto l = vocab_.find(left), r = vocab_.find(right), out = vocab_.find(merged);
    if (l == vocab_.end() || r == vocab_.end() || out == vocab_.end())
      at[rank].fail("merges \"" + left + "\" and \"" + right + "\" into a token the vocabulary does not have");
    merges_.emplace(pair_key(l->second, r->second), Merge{static_cast<std::int32_t>(rank), out->second});
  }
}

// Each character's id; a character the vocabulary lacks becomes its
// <0xNN> byte tokens (byte_fallback) or unk (consecutive ones fused with
// fuse_unk), or is dropped when there is no unk.
void Bpe::initial_symbols(const std::string& word, std::vector<std::int32_t>& symbols) const {
  bool previous_unk = false;
  for (std::size_t i = 0, n = 0; i < word.size(); i += n) {
    utf8_decode(word, i, &n);
    std::string piece = word.substr(i, n);
    if (i > 0) piece.insert(0, prefix_);
    if (i + n == word.size()) piece += suffix_;
    const auto found = vocab_.find(piece);
    if (found != vocab_.end()) {
      symbols.push_back(found->second);
      previous_unk = false;
      continue;
    }
    if (byte_fallback_) {
      std::vector<std::int32_t> bytes;
      for (std::size_t k = i; k < i + n; ++k) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(word[k]));
        const auto byte = vocab_.find(name);
        if (byte == vocab_.end()) break;
        bytes.push_back(byte->second);
      }
      if (bytes.size() == n) {
        symbols.insert(symbols.end(), bytes.begin(), bytes.end());
        previous_unk = false;
        continue;
      }
    }
    if (unk_ < 0) continue;
    if (!(fuse_unk_ && previous_unk)) symbols.push_back(unk_);
    previous_unk = true;
  }
}

void Bpe::merge(std::vector<std::int32_t>& symbols) const {
  while (symbols.size() > 1) {
    std::int32_t best_rank = std::numeric_limits<std::int32_t>::max(), best_id = -1;
    std::size_t best_at = 0;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto found = merges_.find(pair_key(symbols[i], symbols[i + 1]));
      if (found != merges_.end() && found->second.rank < best_rank) {
        best_rank = found->second.rank;
        best_id = found->second.id;
        best_at = i;
      }
    }
    if (best_id < 0) return;
    symbols[best_at] = best_id;
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
  }
}

void Bpe::encode(const std::string& word, std::vector<std::int32_t>& ids) const {
  if (ignore_merges_) {
    const auto whole = vocab_.find(word);
    if (whole != vocab_.end()) {
      ids.push_back(whole->second);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const auto cached = cache_.find(word);
    if (cached != cache_.end()) {
      ids.insert(ids.end(), cached->second.begin(), cached->second.end());
      return;
    }
  }
  std::vector<std::int32_t> symbols;
  initial_symbols(word, symbols);
  merge(symbols);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() < cache_limit) cache_.emplace(word, std::move(symbols));
}

}  // namespace trawl
