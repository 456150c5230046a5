#include <torch/torch.h>
// glog, through torch, defines CHECK; these tests mean Catch's.
#undef CHECK
#include "catch_support.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "checkpoint/hf_config.hpp"
#include "checkpoint/safetensors.hpp"
#include "core/error.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;
using trawl::InputError;

namespace {

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("safetensors round trip keeps dtype, shape and values; the data section is 8-byte aligned") {
  const std::string path = (fs::path(trawl::test::scratch_dir("safetensors")) / "t.safetensors").string();
  torch::manual_seed(0);
  trawl::NamedTensors tensors{{"a.weight", torch::randn({3, 5})},
                              {"b", torch::randn({7}).to(torch::kBFloat16)},
                              {"c", torch::randn({2, 2, 2}).to(torch::kHalf)},
                              {"empty", torch::zeros({0, 4})}};
  trawl::write_safetensors(path, tensors);
  const std::string raw = bytes_of(path);
  std::uint64_t header = 0;
  std::memcpy(&header, raw.data(), 8);
  CHECK((8 + header) % 8 == 0);
  CHECK(raw.substr(8, header).find("\"__metadata__\":{\"format\":\"pt\"}") != std::string::npos);

  trawl::SafetensorsFile file(path);
  CHECK(file.names() == std::vector<std::string>{"a.weight", "b", "c", "empty"});
  CHECK(file.metadata().at("format") == "pt");
  CHECK(file.find("b")->dtype == "BF16");
  for (const auto& [name, t] : tensors) {
    torch::Tensor back = file.load(name, t.scalar_type(), torch::kCPU);
    CHECK(back.sizes() == t.sizes());
    CHECK(torch::equal(back, t));
  }
  // Loading converts straight into the wanted dtype.
  CHECK(file.load("b", torch::kFloat, torch::kCPU).scalar_type() == torch::kFloat);
  CHECK(torch::equal(file.load("b", torch::kFloat, torch::kCPU), tensors[1].second.to(torch::kFloat)));
}

TEST_CASE("malformed safetensors files are input errors naming the file and the tensor") {
  const fs::path path = fs::path(trawl::test::scratch_dir("bad-safetensors")) / "bad.safetensors";
  auto header_file = [&](const std::string& json, std::size_t data_bytes) {
    std::string bytes(8, '\0');
    const std::uint64_t n = json.size();
    std::memcpy(bytes.data(), &n, 8);
    write_bytes(path, bytes + json + std::string(data_bytes, '\0'));
  };
  auto open = [&] { trawl::SafetensorsFile f(path.string()); };

  write_bytes(path, "abc");
  CHECK(error_of(open).find("shorter than its 8-byte header length") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4);
  CHECK(error_of(open).find("data section has 4 bytes (truncated?)") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 12);
  CHECK(error_of(open).find("end at byte 8 but the data section has 12 bytes") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
              " \"y\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
  CHECK(error_of(open).find("tensor 'y' overlaps the tensor before it") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
  CHECK(error_of(open).find("tensor 'x' leaves a gap before it at byte 0") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F16\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8);
  CHECK(error_of(open).find("tensor 'x' is F16 [3] (6 bytes) but data_offsets span 8 bytes") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8);
  CHECK(error_of(open).find("tensor 'x' has a shape that is not a list of non-negative integers") !=
        std::string::npos);
  // Sizes that would wrap: 2^62+8 x 4 floats is 2^66+128 bytes, not 128; 2^64-1 is no int64 dimension.
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [4611686018427387912, 4], \"data_offsets\": [0, 128]}}", 128);
  CHECK(error_of(open).find("tensor 'x' is F32 [4611686018427387912, 4], more bytes than 2^64") != std::string::npos);
  header_file("{\"x\": {\"dtype\": \"F32\", \"shape\": [18446744073709551615], \"data_offsets\": [0, 4]}}", 4);
  CHECK(error_of(open).find("has a dimension of 18446744073709551615") != std::string::npos);
  header_file("{\"x\": [1, 2", 0);
  CHECK(error_of(open).find("header is not JSON") != std::string::npos);
  header_file("{}", 0);
  CHECK(error_of([&] { trawl::SafetensorsFile(path.string()).load("w", torch::kFloat, torch::kCPU); })
            .find("bad.safetensors: no tensor 'w'") != std::string::npos);
}

TEST_CASE("config.json: defaults as in transformers, and errors that name file and key") {
  const std::string dir = trawl::test::scratch_dir("hf-config");
  const fs::path config = fs::path(dir) / "config.json";
  write_bytes(config, R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 8, "vocab_size": 100, "torch_dtype": "bfloat16",
    "rope_scaling": null})");
  const trawl::CausalLmConfig c = trawl::read_causal_lm_config(dir);
  CHECK(c.num_key_value_heads == 8);
  CHECK(c.head_dim == 8);
  CHECK(c.rope_theta == 10000);
  CHECK(c.rope_scaling.type.empty());
  CHECK(c.torch_dtype == "bfloat16");
  CHECK_FALSE(c.tie_word_embeddings);
  CHECK_FALSE(c.qkv_bias);

  write_bytes(config, R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 100,
    "head_dim": 16, "tie_word_embeddings": true, "sliding_window": 32, "use_sliding_window": false})");
  const trawl::CausalLmConfig q = trawl::read_causal_lm_config(dir);
  CHECK(q.qkv_bias);
  CHECK_FALSE(q.o_bias);
  CHECK(q.head_dim == 16);
  CHECK_FALSE(q.sliding_window.has_value());  // Qwen2's is off unless use_sliding_window

  write_bytes(config, R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": "two", "num_attention_heads": 8, "vocab_size": 100})");
  CHECK(error_of([&] { trawl::read_causal_lm_config(dir); }) ==
        config.string() + ": num_hidden_layers must be a positive integer, not \"two\"");
}
