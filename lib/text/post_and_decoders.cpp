// Post-processors (the special tokens around one sequence) and decoders
// (tokens back to text) of tokenizer.json.
#include "text/components.hpp"
#include "text/utf8.hpp"

namespace trawl {

namespace {

std::vector<std::int32_t> special_ids(const nlohmann::json& specials, const std::string& name, const JsonPlace& at) {
  const nlohmann::json& token = member(specials, name.c_str(), at);
  // A named place: GCC 14 takes a reference returned beside a temporary
  // argument for one into it (-Wdangling-reference).
  const JsonPlace token_at = at / name;
  const nlohmann::json& ids = member(token, "ids", token_at);
  std::vector<std::int32_t> out;
  for (const auto& id : ids) {
    if (!id.is_number_integer()) (token_at / "ids").fail("must be a list of integers");
    out.push_back(id.get<std::int32_t>());
  }
  return out;
}

SpecialIds template_processing(const nlohmann::json& j, const JsonPlace& at) {
  SpecialIds out;
  const nlohmann::json& single = member(j, "single", at);
  bool after = false;
  for (std::size_t i = 0; i < single.size(); ++i) {
    const nlohmann::json& item = single[i];
    if (item.contains("Sequence")) {
      after = true;
    } else if (item.contains("SpecialToken")) {
      const std::string name = string_member(item["SpecialToken"], "id", (at / "single")[i] / "SpecialToken");
      auto ids = special_ids(member(j, "special_tokens", at), name, at / "special_tokens");
      (after ? out.after : out.before).insert((after ? out.after : out.before).end(), ids.begin(), ids.end());
    } else {
      (at / "single")[i].fail("must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
  }
  return out;
}

// Bert and Roberta: [cls] A [sep], each given as [token, id].
SpecialIds around(const nlohmann::json& j, const JsonPlace& at) {
  auto id = [&](const char* key) {
    const nlohmann::json& pair = member(j, key, at);
    if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer()) (at / key).fail("must be [token, id]");
    return pair[1].get<std::int32_t>();
  };
  return SpecialIds{{id("cls")}, {id("sep")}};
}

}  // namespace

SpecialIds make_post_processor(const nlohmann::json& j, const JsonPlace& at) {
  const std::string type = component_type(j, at);
  if (type.empty() || type == "ByteLevel") return {};  // ByteLevel only trims offsets
  if (type == "TemplateProcessing") return template_processing(j, at);
  if (type == "BertProcessing" || type == "RobertaProcessing") return around(j, at);
  if (type == "Sequence") {
    SpecialIds out;
    const nlohmann::json& list = member(j, "processors", at);
    for (std::size_t i = 0; i < list.size(); ++i) {
      SpecialIds part = make_post_processor(list[i], (at / "processors")[i]);
      out.before.insert(out.before.end(), part.before.begin(), part.before.end());
      out.after.insert(out.after.end(), part.after.begin(), part.after.end());
    }
    return out;
  }
  at.fail("post-processor type \"" + type +
          "\" is not implemented (trawl has TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
}

namespace {

// All tokens as one string of the bytes their characters stand for.
class ByteLevelDecoder : public Decoder {
 public:
  void decode(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens)
      for (std::size_t i = 0, n = 0; i < token.size(); i += n) {
        const int byte = byte_of_byte_level_char(utf8_decode(token, i, &n));
        if (byte >= 0) bytes += static_cast<char>(byte);
        else bytes += token.substr(i, n);
      }
    tokens = {bytes};
  }
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(const nlohmann::json& j, const JsonPlace& at)
      : pattern_(member(j, "pattern", at), at / "pattern"), content_(string_member(j, "content", at)) {}
  void decode(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = pattern_.replace(token, content_);
  }

 private:
  SplitPattern pattern_;
  std::string content_;
};

// Runs of <0xNN> tokens become the text of their bytes.
class ByteFallbackDecoder : public Decoder {
 public:
  void decode(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    auto flush = [&] {
      if (bytes.empty()) return;
      if (utf8_valid(bytes)) out.push_back(bytes);
      else for (std::size_t i = 0; i < bytes.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      bytes.clear();
    };
    for (const std::string& token : tokens) {
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') {
        bytes += static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16));
        continue;
      }
      flush();
      out.push_back(token);
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& token : tokens) all += token;
    tokens = {all};
  }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(const nlohmann::json& j, const JsonPlace& at)
      : content_(string_member(j, "content", at)), start_(j.value("start", 0)), stop_(j.value("stop", 0)) {}
  void decode(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      for (int i = 0; i < start_ && token.compare(0, content_.size(), content_) == 0; ++i) token.erase(0, content_.size());
      for (int i = 0; i < stop_ && token.size() >= content_.size() &&
                      token.compare(token.size() - content_.size(), content_.size(), content_) == 0;
           ++i)
        token.erase(token.size() - content_.size());
    }
  }

 private:
  std::string content_;
  int start_, stop_;
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(const nlohmann::json& j, const JsonPlace& at)
      : replacement_(string_member(j, "replacement", at, "\xE2\x96\x81")),
        strip_first_(string_member(j, "prepend_scheme", at, bool_member(j, "add_prefix_space", at, true) ? "always" : "never") != "never") {}
  void decode(std::vector<std::string>& tokens) const override {
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      std::string out;
      const std::string& token = tokens[t];
      for (std::size_t i = 0; i < token.size();) {
        if (token.compare(i, replacement_.size(), replacement_) == 0) {
          if (!(t == 0 && i == 0 && strip_first_)) out += ' ';
          i += replacement_.size();
        } else {
          out += token[i++];
        }
      }
      tokens[t] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

class SequenceDecoder : public Decoder {
 public:
  SequenceDecoder(const nlohmann::json& j, const JsonPlace& at) {
    const nlohmann::json& list = member(j, "decoders", at);
    for (std::size_t i = 0; i < list.size(); ++i) parts_.push_back(make_decoder(list[i], (at / "decoders")[i]));
  }
  void decode(std::vector<std::string>& tokens) const override {
    for (const auto& part : parts_)
      if (part) part->decode(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const JsonPlace& at) {
  const std::string type = component_type(j, at);
  if (type.empty()) return nullptr;
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Replace") return std::make_unique<ReplaceDecoder>(j, at);
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") return std::make_unique<StripDecoder>(j, at);
  if (type == "Metaspace") return std::make_unique<MetaspaceDecoder>(j, at);
  if (type == "Sequence") return std::make_unique<SequenceDecoder>(j, at);
  at.fail("decoder type \"" + type +
          "\" is not implemented (trawl has ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)");
}

}  // namespace trawl
