#include "catch_support.hpp"

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "text/onig_regex.hpp"
#include "text/tokenizer.hpp"
#include "text/utf8.hpp"
#include "test_files.hpp"

namespace {

// A tokenizer directory holding `tokenizer_json` (and an eos_token config).
std::string tokenizer_dir(const std::string& name, const std::string& tokenizer_json) {
  const std::string dir = trawl::test::scratch_dir(name);
  std::ofstream(std::filesystem::path(dir) / "tokenizer.json") << tokenizer_json;
  std::ofstream(std::filesystem::path(dir) / "tokenizer_config.json") << R"({"eos_token": "</s>"})";
  return dir;
}

const char* const tiny_bpe = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4, "bc": 5,
  "</s>": 6, "<unk>": 7, "<0x7A>": 8}, "merges": [MERGES], "unk_token": "<unk>", "fuse_unk": true,
  "byte_fallback": true}, "added_tokens": [{"id": 6, "content": "</s>", "special": true}]})";

std::string with_merges(const std::string& merges) {
  std::string json = tiny_bpe;
  json.replace(json.find("MERGES"), 6, merges);
  return json;
}

}  // namespace

TEST_CASE("UTF-8 is checked as Unicode defines it", "[text]") {
  std::size_t bad = 0;
  CHECK(trawl::utf8_valid("h\xC3\xA9llo \xF0\x9F\x99\x82"));
  CHECK_FALSE(trawl::utf8_valid("ok\xC0\xAF", &bad));  // an overlong '/'
  CHECK(bad == 2);
  CHECK_FALSE(trawl::utf8_valid("\xED\xA0\x80"));  // a surrogate
  CHECK_FALSE(trawl::utf8_valid("\xE2\x82"));       // cut short
  CHECK(trawl::escape_invalid_utf8("caf\xE9 \xC3\xA9") == "caf\\xE9 \xC3\xA9");
}

TEST_CASE("Oniguruma matches as the Rust onig crate iterates them", "[text]") {
  const trawl::OnigPattern words(R"(\p{L}+|\s+(?!\S))");
  using Matches = std::vector<std::pair<std::size_t, std::size_t>>;
  CHECK(words.find_all("ab  cd") == Matches{{0, 2}, {2, 3}, {4, 6}});
  const trawl::OnigPattern empty("x*");  // an empty match right after a match is skipped
  CHECK(empty.find_all("xxa") == Matches{{0, 2}, {3, 3}});
  CHECK_THROWS_WITH(trawl::OnigPattern("(unclosed"), trawl::test::Contains("does not compile"));
}

TEST_CASE("BPE merges the pair of lowest rank first, in either merges form", "[text]") {
  for (const std::string merges : {R"("a b", "ab c", "b c")", R"(["a", "b"], ["ab", "c"], ["b", "c"])"}) {
    const trawl::Tokenizer t = trawl::Tokenizer::from_dir(tokenizer_dir("bpe-rank", with_merges(merges)));
    CHECK(t.encode("abc") == std::vector<std::int32_t>{4});
    CHECK(t.encode("bcab") == std::vector<std::int32_t>{5, 3});
    CHECK(t.encode("ab</s>c") == std::vector<std::int32_t>{3, 6, 2});  // an added token splits the text
    CHECK(t.eos_id() == 6);
    CHECK(t.decode({4, 6}) == "abc</s>");
  }
  const trawl::Tokenizer reversed = trawl::Tokenizer::from_dir(tokenizer_dir("bpe-reversed", with_merges(R"("b c", "a b")")));
  CHECK(reversed.encode("abc") == std::vector<std::int32_t>{0, 5});
}

TEST_CASE("characters outside the vocabulary fall back to bytes, else to one fused unk", "[text]") {
  const trawl::Tokenizer t = trawl::Tokenizer::from_dir(tokenizer_dir("bpe-fallback", with_merges(R"("a b")")));
  CHECK(t.encode("zab") == std::vector<std::int32_t>{8, 3});
  CHECK(t.encode("a\xC3\xA9\xC3\xA9" "b") == std::vector<std::int32_t>{0, 7, 1});  // é has no byte tokens
}

TEST_CASE("what a tokenizer.json holds that trawl cannot run is refused at its place", "[text]") {
  auto refused = [](const std::string& json) {
    try {
      trawl::Tokenizer::from_dir(tokenizer_dir("bpe-refused", json));
    } catch (const trawl::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(refused(R"({"model": {"type": "Unigram", "vocab": []}})"),
             trawl::test::Contains("tokenizer.json: model: model type \"Unigram\" is not implemented"));
  CHECK_THAT(refused(R"({"normalizer": {"type": "Sequence", "normalizers": [{"type": "BertNormalizer"}]},
                         "model": {"type": "BPE", "vocab": {}, "merges": []}})"),
             trawl::test::Contains("normalizer.normalizers[0]: normalizer type \"BertNormalizer\" is not implemented"));
  CHECK_THAT(refused(with_merges(R"("a q")")), trawl::test::Contains("model.merges[0]: merges \"a\" and \"q\""));
  CHECK_THAT(refused("{\"model\": "), trawl::test::Contains("tokenizer.json: is not JSON"));
}
