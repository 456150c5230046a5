// lib/text (internal): finding tokenizer.json's added tokens in a text, as
// Hugging Face's AddedVocabulary does: the leftmost, then longest, match;
// lstrip/rstrip take the whitespace beside it into the token; single_word
// matches only between non-word characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace trawl {

struct AddedToken {
  std::int32_t id = 0;
  std::string content;
  bool special = false, normalized = false, lstrip = false, rstrip = false, single_word = false;
};

// A part of a text: an added token (id >= 0) or text to tokenize, and
// where it starts in the text first given.
struct Segment {
  std::string text;
  std::int32_t id = -1;
  std::size_t offset = 0;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // `tokens` as they must appear in the text it is given.
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);
  // Appends `text`'s segments to `out`; `offset` is where `text` starts.
  void split(const std::string& text, std::size_t offset, std::vector<Segment>& out) const;
  bool empty() const { return tokens_.empty(); }

 private:
  struct Match {
    std::size_t start, stop;
    std::int32_t id;
  };
  bool find(const std::string& text, std::size_t from, Match& match) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<unsigned char, std::vector<std::size_t>> by_first_byte_;  // longest first
};

}  // namespace trawl
