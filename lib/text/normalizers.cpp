// Normalizers of tokenizer.json, as Hugging Face's tokenizers apply them to
// each piece of text outside the added tokens.
#include <utf8proc.h>

#include <cstdlib>

#include "core/error.hpp"
#include "text/components.hpp"
#include "text/utf8.hpp"

namespace trawl {

namespace {

class UnicodeForm : public Normalizer {
 public:
  explicit UnicodeForm(int options) : options_(options) {}
  void normalize(std::string& text) const override {
    if (text.empty()) return;
    utf8proc_uint8_t* out = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            static_cast<utf8proc_ssize_t>(text.size()), &out,
                                            static_cast<utf8proc_option_t>(options_));
    if (n < 0) throw InputError(std::string("text is not valid UTF-8: ") + utf8proc_errmsg(n));
    text.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    std::free(out);
  }

 private:
  int options_;
};

// Rust's char::to_lowercase, character by character (no final sigma):
// Unicode's simple mapping, and U+0130 to "i" + U+0307.
class Lowercase : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0, n = 0; i < text.size(); i += n) {
      const char32_t c = utf8_decode(text, i, &n);
      if (c == 0x130) {
        out += "i\xCC\x87";
        continue;
      }
      utf8_append(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
    text = std::move(out);
  }
};

class Replace : public Normalizer {
 public:
  Replace(const nlohmann::json& j, const JsonPlace& at)
      : pattern_(member(j, "pattern", at), at / "pattern"), content_(string_member(j, "content", at)) {}
  void normalize(std::string& text) const override { text = pattern_.replace(text, content_); }

 private:
  SplitPattern pattern_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  Prepend(const nlohmann::json& j, const JsonPlace& at) : prefix_(string_member(j, "prepend", at)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class Strip : public Normalizer {
 public:
  Strip(const nlohmann::json& j, const JsonPlace& at)
      : left_(bool_member(j, "strip_left", at, true)), right_(bool_member(j, "strip_right", at, true)) {}
  void normalize(std::string& text) const override {
    std::size_t begin = 0, end = text.size(), n = 0;
    while (left_ && begin < end && unicode_whitespace(utf8_decode(text, begin, &n))) begin += n;
    while (right_ && end > begin) {
      std::size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      if (!unicode_whitespace(utf8_decode(text, start, nullptr))) break;
      end = start;
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

class Sequence : public Normalizer {
 public:
  Sequence(const nlohmann::json& j, const JsonPlace& at) {
    const nlohmann::json& list = member(j, "normalizers", at);
    if (!list.is_array()) (at / "normalizers").fail("must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) parts_.push_back(make_normalizer(list[i], (at / "normalizers")[i]));
  }
  void normalize(std::string& text) const override {
    for (const auto& part : parts_) part->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const JsonPlace& at) {
  const std::string type = component_type(j, at);
  if (type.empty()) return nullptr;
  const int stable = UTF8PROC_STABLE;
  if (type == "NFC") return std::make_unique<UnicodeForm>(stable | UTF8PROC_COMPOSE);
  if (type == "NFD") return std::make_unique<UnicodeForm>(stable | UTF8PROC_DECOMPOSE);
  if (type == "NFKC") return std::make_unique<UnicodeForm>(stable | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  if (type == "NFKD") return std::make_unique<UnicodeForm>(stable | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Replace") return std::make_unique<Replace>(j, at);
  if (type == "Prepend") return std::make_unique<Prepend>(j, at);
  if (type == "Strip") return std::make_unique<Strip>(j, at);
  if (type == "Sequence") return std::make_unique<Sequence>(j, at);
  at.fail("normalizer type \"" + type +
          "\" is not implemented (trawl has NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, Sequence)");
}

}  // namespace trawl
