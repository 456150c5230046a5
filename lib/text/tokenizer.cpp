#include "text/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "text/added_tokens.hpp"
#include "text/bpe.hpp"
#include "text/components.hpp"

namespace trawl {

namespace {

// transformers' Llama-style fast tokenizers replace the post-processor with
// [bos] $A [eos] as add_bos_token (default true) and add_eos_token (default
// false) say.
bool llama_style(const nlohmann::json& config) {
  const std::string name = config.value("tokenizer_class", std::string());
  for (const char* style : {"LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast",
                            "GemmaTokenizer", "GemmaTokenizerFast"})
    if (name == style) return true;
  return false;
}

}  // namespace

struct Tokenizer::Impl {
  TokenizerFiles files;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Bpe> model;
  std::unique_ptr<Decoder> decoder;
  SpecialIds specials;
  AddedTokenMatcher raw_added, normalized_added;
  std::unordered_map<std::int32_t, AddedToken> added_by_id;
  std::optional<std::int32_t> bos, eos, pad;

  void read_added(const nlohmann::json& list, const JsonPlace& at);
  void read_config(const std::string& path);
  std::optional<std::int32_t> id_of(const std::string& token) const;
  void encode_text(const Segment& segment, std::vector<std::int32_t>& ids) const;
};

void Tokenizer::Impl::read_added(const nlohmann::json& list, const JsonPlace& at) {
  std::vector<AddedToken> raw, normalized;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const JsonPlace place = at[i];
    AddedToken t;
    const nlohmann::json& id = member(list[i], "id", place);
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0) (place / "id").fail("must be a non-negative integer");
    t.id = id.get<std::int32_t>();
    // As Hugging Face's AddedVocabulary: a token the model has keeps the model's id.
    if (const auto known = model->vocab().find(string_member(list[i], "content", place)); known != model->vocab().end())
      t.id = known->second;
    t.content = string_member(list[i], "content", place);
    t.special = bool_member(list[i], "special", place, false);
    t.normalized = bool_member(list[i], "normalized", place, !t.special);
    t.lstrip = bool_member(list[i], "lstrip", place, false);
    t.rstrip = bool_member(list[i], "rstrip", place, false);
    t.single_word = bool_member(list[i], "single_word", place, false);
    added_by_id[t.id] = t;
    if (t.normalized && normalizer) normalizer->normalize(t.content);
    (t.normalized ? normalized : raw).push_back(t);
  }
  raw_added = AddedTokenMatcher(std::move(raw));
  normalized_added = AddedTokenMatcher(std::move(normalized));
}

std::optional<std::int32_t> Tokenizer::Impl::id_of(const std::string& token) const {
  for (const auto& [id, added] : added_by_id)
    if (added.content == token) return id;
  const auto found = model->vocab().find(token);
  if (found != model->vocab().end()) return found->second;
  return std::nullopt;
}

void Tokenizer::Impl::read_config(const std::string& path) {
  const nlohmann::json config = read_json(path);
  const JsonPlace at{path, ""};
  for (auto [key, slot] : {std::pair<const char*, std::optional<std::int32_t>*>{"bos_token", &bos},
                           {"eos_token", &eos},
                           {"pad_token", &pad}}) {
    const std::string token = config_token(config, key);
    if (token.empty()) continue;
    *slot = id_of(token);
    if (!*slot) (at / key).fail("\"" + token + "\" is not a token of tokenizer.json");
  }
  if (!llama_style(config)) return;
  const bool add_bos = bool_member(config, "add_bos_token", at, true);
  const bool add_eos = bool_member(config, "add_eos_token", at, false);
  if (add_bos && !bos) (at / "add_bos_token").fail("is true but bos_token names no token");
  if (add_eos && !eos) (at / "add_eos_token").fail("is true but eos_token names no token");
  specials = SpecialIds{};
  if (add_bos) specials.before.push_back(*bos);
  if (add_eos) specials.after.push_back(*eos);
}

Tokenizer Tokenizer::from_dir(const std::string& dir) {
  const std::filesystem::path d(dir);
  TokenizerFiles files{(d / "tokenizer.json").string(), ""};
  if (!std::filesystem::exists(files.tokenizer_json))
    throw input_error_at(SourcePos{dir, 0, 0}, "no tokenizer.json: trawl tokenizes with the model's Hugging Face tokenizer");
  if (std::filesystem::exists(d / "tokenizer_config.json")) files.tokenizer_config = (d / "tokenizer_config.json").string();
  return Tokenizer(files);
}

Tokenizer::Tokenizer(const TokenizerFiles& files) : impl_(std::make_unique<Impl>()) {
  Impl& t = *impl_;
  t.files = files;
  const nlohmann::json j = read_json(files.tokenizer_json);
  const JsonPlace at{files.tokenizer_json, ""};
  t.normalizer = make_normalizer(j.value("normalizer", nlohmann::json()), at / "normalizer");
  t.pre_tokenizer = make_pre_tokenizer(j.value("pre_tokenizer", nlohmann::json()), at / "pre_tokenizer");
  const nlohmann::json& model = member(j, "model", at);
  const std::string type = model.value("type", std::string("BPE"));
  if (type != "BPE")
    (at / "model").fail("model type \"" + type + "\" is not implemented (trawl has BPE)");
  t.model = std::make_unique<Bpe>(model, at / "model");
  t.specials = make_post_processor(j.value("post_processor", nlohmann::json()), at / "post_processor");
  t.decoder = make_decoder(j.value("decoder", nlohmann::json()), at / "decoder");
  t.read_added(j.value("added_tokens", nlohmann::json::array()), at / "added_tokens");
  if (!files.tokenizer_config.empty()) t.read_config(files.tokenizer_config);
}

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

// A text segment outside the raw added tokens: normalized, cut at the
// normalized added tokens, pre-tokenized, and each piece through BPE.
void Tokenizer::Impl::encode_text(const Segment& segment, std::vector<std::int32_t>& ids) const {
  std::string text = segment.text;
  if (normalizer) normalizer->normalize(text);
  std::vector<Segment> parts;
  normalized_added.split(text, segment.offset, parts);
  for (const Segment& part : parts) {
    if (part.id >= 0) {
      ids.push_back(part.id);
      continue;
    }
    std::vector<Piece> pieces{Piece{part.text, part.offset == 0}};
    if (pre_tokenizer) pre_tokenizer->split(pieces);
    for (const Piece& piece : pieces)
      if (!piece.text.empty()) model->encode(piece.text, ids);
  }
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Impl& t = *impl_;
  std::vector<std::int32_t> ids;
  if (add_special_tokens) ids = t.specials.before;
  std::vector<Segment> segments;
  t.raw_added.split(std::string(text), 0, segments);
  for (const Segment& segment : segments) {
    if (segment.id >= 0) ids.push_back(segment.id);
    else if (!segment.text.empty()) t.encode_text(segment, ids);
  }
  if (add_special_tokens) ids.insert(ids.end(), t.specials.after.begin(), t.specials.after.end());
  return ids;
}

// As Hugging Face's decode: each id's token (an added token's content),
// special ones left out when asked, and the decoder over all of them.
std::string Tokenizer::decode(const std::vector<std::int32_t>& ids, bool skip_special_tokens) const {
  const Impl& t = *impl_;
  std::vector<std::string> tokens;
  for (std::int32_t id : ids) {
    const auto added = t.added_by_id.find(id);
    if (added != t.added_by_id.end()) {
      if (!(skip_special_tokens && added->second.special)) tokens.push_back(added->second.content);
      continue;
    }
    const std::string* token = t.model->token(id);
    if (!token) throw InputError("token id " + std::to_string(id) + " is not in the vocabulary");
    tokens.push_back(*token);
  }
  if (t.decoder) t.decoder->decode(tokens);
  std::string text;
  for (const auto& part : tokens) text += part;
  return text;
}

std::optional<std::vector<std::size_t>> Tokenizer::token_ends(const std::vector<std::int32_t>& ids,
                                                              std::string_view text) const {
  std::vector<std::size_t> ends;
  std::size_t at = 0;
  for (std::int32_t id : ids) {
    const std::string piece = decode({id});
    if (text.compare(at, piece.size(), piece) != 0) return std::nullopt;
    at += piece.size();
    ends.push_back(at);
  }
  if (at != text.size()) return std::nullopt;
  return ends;
}

std::optional<std::int32_t> Tokenizer::eos_id() const { return impl_->eos; }
std::optional<std::int32_t> Tokenizer::pad_id() const { return impl_->pad; }
const TokenizerFiles& Tokenizer::files() const { return impl_->files; }

}  // namespace trawl
