#include "text/added_tokens.hpp"

#include <algorithm>
#include <cctype>

#include "text/utf8.hpp"

namespace trawl {

namespace {

// A word character for single_word: '_', an ASCII letter or digit, or any
// non-ASCII character.
bool word_char(char32_t c) { return c == '_' || c >= 0x80 || std::isalnum(static_cast<int>(c)) != 0; }

char32_t char_before(const std::string& text, std::size_t at) {
  std::size_t start = at - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return utf8_decode(text, start, nullptr);
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (std::size_t i = 0; i < tokens_.size(); ++i)
    if (!tokens_[i].content.empty())
      by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
  for (auto& [byte, list] : by_first_byte_)
    std::stable_sort(list.begin(), list.end(),
                     [&](std::size_t a, std::size_t b) { return tokens_[a].content.size() > tokens_[b].content.size(); });
}

// The leftmost match at or after `from` (the longest there); lstrip and
// rstrip widen it over whitespace.
bool AddedTokenMatcher::find(const std::string& text, std::size_t from, Match& match) const {
  for (std::size_t at = from; at < text.size(); ++at) {
    const auto candidates = by_first_byte_.find(static_cast<unsigned char>(text[at]));
    if (candidates == by_first_byte_.end()) continue;
    for (std::size_t index : candidates->second) {
      const AddedToken& token = tokens_[index];
      if (text.compare(at, token.content.size(), token.content) != 0) continue;
      std::size_t start = at, stop = at + token.content.size();
      if (token.single_word && ((start > 0 && word_char(char_before(text, start))) ||
                                (stop < text.size() && word_char(utf8_decode(text, stop, nullptr)))))
        continue;
      while (token.lstrip && start > from && unicode_whitespace(char_before(text, start))) {
        --start;
        while (start > from && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      }
      std::size_t n = 0;
      while (token.rstrip && stop < text.size() && unicode_whitespace(utf8_decode(text, stop, &n))) stop += n;
      match = Match{start, stop, token.id};
      return true;
    }
  }
  return false;
}

void AddedTokenMatcher::split(const std::string& text, std::size_t offset, std::vector<Segment>& out) const {
  std::size_t done = 0;
  Match match{};
  while (!tokens_.empty() && find(text, done, match)) {
    if (match.start > done) out.push_back(Segment{text.substr(done, match.start - done), -1, offset + done});
    out.push_back(Segment{"", match.id, offset + match.start});
    done = match.stop;
  }
  if (done < text.size() || text.empty()) out.push_back(Segment{text.substr(done), -1, offset + done});
}

}  // namespace trawl
