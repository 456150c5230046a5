// Pre-tokenizers of tokenizer.json: each splits every piece further, as
// Hugging Face's PreTokenizedString::split does (empty pieces dropped).
#include <utf8proc.h>

#include <functional>

#include "text/components.hpp"
#include "text/utf8.hpp"

namespace trawl {

namespace {

using Range = std::pair<std::size_t, std::size_t>;
using Matches = std::vector<std::pair<Range, bool>>;

enum class Behavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

Behavior behavior_of(const nlohmann::json& j, const JsonPlace& at, const char* fallback) {
  const std::string name = string_member(j, "behavior", at, fallback);
  if (name == "Removed") return Behavior::removed;
  if (name == "Isolated") return Behavior::isolated;
  if (name == "MergedWithPrevious") return Behavior::merged_with_previous;
  if (name == "MergedWithNext") return Behavior::merged_with_next;
  if (name == "Contiguous") return Behavior::contiguous;
  (at / "behavior").fail("\"" + name + "\" is not Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

// Hugging Face's NormalizedString::split: which ranges stay, by behavior.
std::vector<Range> kept_ranges(const Matches& matches, Behavior behavior) {
  std::vector<Range> out;
  bool previous_match = false;
  switch (behavior) {
    case Behavior::removed:
      for (const auto& [range, matched] : matches)
        if (!matched) out.push_back(range);
      return out;
    case Behavior::isolated:
      for (const auto& piece : matches) out.push_back(piece.first);
      return out;
    case Behavior::contiguous:
    case Behavior::merged_with_previous:
      for (const auto& [range, matched] : matches) {
        const bool merge = behavior == Behavior::contiguous ? matched == previous_match : matched && !previous_match;
        if (merge && !out.empty()) out.back().second = range.second;
        else out.push_back(range);
        previous_match = matched;
      }
      return out;
    case Behavior::merged_with_next:
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->second && !previous_match && !out.empty()) out.back().first = it->first.first;
        else out.push_back(it->first);
        previous_match = it->second;
      }
      return {out.rbegin(), out.rend()};
  }
  return out;
}

// Each piece split into its kept ranges; only a piece's first part keeps `first`.
void split_pieces(std::vector<Piece>& pieces, const std::function<Matches(const std::string&)>& find, Behavior b) {
  std::vector<Piece> out;
  for (const Piece& piece : pieces) {
    bool first = piece.first;
    for (const Range& r : kept_ranges(find(piece.text), b)) {
      if (r.second == r.first) continue;
      out.push_back(Piece{piece.text.substr(r.first, r.second - r.first), first});
      first = false;
    }
  }
  pieces = std::move(out);
}

// Each character for which `is` holds is a match of its own.
Matches char_matches(const std::string& text, const std::function<bool(char32_t)>& is) {
  Matches out;
  std::size_t i = 0, n = 0, run = 0;
  for (; i < text.size(); i += n) {
    if (!is(utf8_decode(text, i, &n))) continue;
    if (run != i) out.push_back({{run, i}, false});
    out.push_back({{i, i + n}, true});
    run = i + n;
  }
  if (run != text.size() || text.empty()) out.push_back({{run, text.size()}, false});
  return out;
}

bool in_categories(char32_t c, std::initializer_list<utf8proc_category_t> categories) {
  const utf8proc_category_t category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  for (auto wanted : categories)
    if (category == wanted) return true;
  return false;
}

class Split : public PreTokenizer {
 public:
  Split(const nlohmann::json& j, const JsonPlace& at)
      : pattern_(member(j, "pattern", at), at / "pattern"),
        behavior_(behavior_of(j, at, nullptr)),
        invert_(bool_member(j, "invert", at, false)) {}
  void split(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](const std::string& text) {
      Matches m = pattern_.pieces(text);
      if (invert_) for (auto& piece : m) piece.second = !piece.second;
      return m;
    }, behavior_);
  }

 private:
  SplitPattern pattern_;
  Behavior behavior_;
  bool invert_;
};

// GPT-2's byte-level pre-tokenizer: optionally its own split, then every
// byte as its printable stand-in.
class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(const nlohmann::json& j, const JsonPlace& at)
      : prefix_space_(bool_member(j, "add_prefix_space", at, true)), use_regex_(bool_member(j, "use_regex", at, true)) {}
  void split(std::vector<Piece>& pieces) const override {
    if (prefix_space_)
      for (Piece& piece : pieces)
        if (piece.text.empty() || piece.text[0] != ' ') piece.text.insert(0, " ");
    if (use_regex_) {
      static const SplitPattern gpt2(
          nlohmann::json{{"Regex", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"}},
          JsonPlace{});
      split_pieces(pieces, [&](const std::string& text) { return gpt2.pieces(text); }, Behavior::isolated);
    }
    const std::vector<std::string>& chars = byte_level_chars();
    for (Piece& piece : pieces) {
      std::string mapped;
      mapped.reserve(piece.text.size() * 2);
      for (unsigned char byte : piece.text) mapped += chars[byte];
      piece.text = std::move(mapped);
    }
  }

 private:
  bool prefix_space_, use_regex_;
};

class Metaspace : public PreTokenizer {
 public:
  Metaspace(const nlohmann::json& j, const JsonPlace& at)
      : replacement_(string_member(j, "replacement", at, "\xE2\x96\x81")),
        on_replacement_(nlohmann::json{{"String", replacement_}}, at),
        split_(bool_member(j, "split", at, true)) {
    const bool legacy_prefix = bool_member(j, "add_prefix_space", at, true);
    scheme_ = string_member(j, "prepend_scheme", at, legacy_prefix ? "always" : "never");
    if (scheme_ != "always" && scheme_ != "first" && scheme_ != "never")
      (at / "prepend_scheme").fail("\"" + scheme_ + "\" is not always, first or never");
  }
  void split(std::vector<Piece>& pieces) const override {
    for (Piece& piece : pieces) {
      std::string replaced;
      for (char c : piece.text) c == ' ' ? replaced += replacement_ : replaced += c;
      const bool starts = replaced.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (scheme_ == "always" || (scheme_ == "first" && piece.first))) replaced.insert(0, replacement_);
      piece.text = std::move(replaced);
    }
    if (!split_) return;
    split_pieces(pieces, [&](const std::string& text) { return on_replacement_.pieces(text); },
                 Behavior::merged_with_next);
  }

 private:
  std::string replacement_;
  SplitPattern on_replacement_;
  bool split_;
  std::string scheme_;
};

// A pre-tokenizer that splits on a character class (Digits, Punctuation,
// WhitespaceSplit).
class CharSplit : public PreTokenizer {
 public:
  CharSplit(std::function<bool(char32_t)> is, Behavior behavior) : is_(std::move(is)), behavior_(behavior) {}
  void split(std::vector<Piece>& pieces) const override {
    split_pieces(pieces, [&](const std::string& text) { return char_matches(text, is_); }, behavior_);
  }

 private:
  std::function<bool(char32_t)> is_;
  Behavior behavior_;
};

// \w+|[^\w\s]+ kept, the whitespace between them dropped.
class Whitespace : public PreTokenizer {
 public:
  void split(std::vector<Piece>& pieces) const override {
    static const SplitPattern words(nlohmann::json{{"Regex", R"(\w+|[^\w\s]+)"}}, JsonPlace{});
    split_pieces(pieces, [&](const std::string& text) {
      Matches m = words.pieces(text);
      for (auto& piece : m) piece.second = !piece.second;
      return m;
    }, Behavior::removed);
  }
};

class Sequence : public PreTokenizer {
 public:
  Sequence(const nlohmann::json& j, const JsonPlace& at) {
    const nlohmann::json& list = member(j, "pretokenizers", at);
    if (!list.is_array()) (at / "pretokenizers").fail("must be a list");
    for (std::size_t i = 0; i < list.size(); ++i)
      parts_.push_back(make_pre_tokenizer(list[i], (at / "pretokenizers")[i]));
  }
  void split(std::vector<Piece>& pieces) const override {
    for (const auto& part : parts_)
      if (part) part->split(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

bool numeric(char32_t c) { return in_categories(c, {UTF8PROC_CATEGORY_ND, UTF8PROC_CATEGORY_NL, UTF8PROC_CATEGORY_NO}); }

bool punctuation(char32_t c) {
  if (c < 0x80) return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
  return in_categories(c, {UTF8PROC_CATEGORY_PC, UTF8PROC_CATEGORY_PD, UTF8PROC_CATEGORY_PS, UTF8PROC_CATEGORY_PE,
                           UTF8PROC_CATEGORY_PI, UTF8PROC_CATEGORY_PF, UTF8PROC_CATEGORY_PO});
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const JsonPlace& at) {
  const std::string type = component_type(j, at);
  if (type.empty()) return nullptr;
  if (type == "Split") return std::make_unique<Split>(j, at);
  if (type == "ByteLevel") return std::make_unique<ByteLevel>(j, at);
  if (type == "Metaspace") return std::make_unique<Metaspace>(j, at);
  if (type == "Whitespace") return std::make_unique<Whitespace>();
  if (type == "WhitespaceSplit") return std::make_unique<CharSplit>(unicode_whitespace, Behavior::removed);
  if (type == "Punctuation") return std::make_unique<CharSplit>(punctuation, behavior_of(j, at, "Isolated"));
  if (type == "Digits")
    return std::make_unique<CharSplit>(numeric, bool_member(j, "individual_digits", at, false) ? Behavior::isolated
                                                                                               : Behavior::contiguous);
  if (type == "Sequence") return std::make_unique<Sequence>(j, at);
  at.fail("pre-tokenizer type \"" + type +
          "\" is not implemented (trawl has Split, ByteLevel, Metaspace, Whitespace, WhitespaceSplit, Punctuation, "
          "Digits, Sequence)");
}

}  // namespace trawl
