#include <torch/torch.h>
// glog, through torch, defines CHECK; these tests mean Catch's.
#undef CHECK
#include "catch_support.hpp"

#include <filesystem>
#include <fstream>

#include "checkpoint/safetensors.hpp"
#include "core/error.hpp"
#include "train/causal_lm.hpp"
#include "train/causal_lm_head.hpp"
#include "train/generate.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;

namespace {

// A one-layer Llama in Hugging Face layout.
std::string tiny_llama(const std::string& name) {
  const std::string dir = trawl::test::scratch_dir(name);
  std::ofstream(fs::path(dir) / "config.json")
      << R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "intermediate_size": 12,
             "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 16})";
  torch::manual_seed(1);
  trawl::NamedTensors w{{"model.embed_tokens.weight", torch::randn({16, 8})},
                        {"model.layers.0.input_layernorm.weight", torch::ones({8})},
                        {"model.layers.0.self_attn.q_proj.weight", torch::randn({8, 8})},
                        {"model.layers.0.self_attn.k_proj.weight", torch::randn({4, 8})},
                        {"model.layers.0.self_attn.v_proj.weight", torch::randn({4, 8})},
                        {"model.layers.0.self_attn.o_proj.weight", torch::randn({8, 8})},
                        {"model.layers.0.post_attention_layernorm.weight", torch::ones({8})},
                        {"model.layers.0.mlp.gate_proj.weight", torch::randn({12, 8})},
                        {"model.layers.0.mlp.up_proj.weight", torch::randn({12, 8})},
                        {"model.layers.0.mlp.down_proj.weight", torch::randn({8, 12})},
                        {"model.norm.weight", torch::ones({8})},
                        {"lm_head.weight", torch::randn({16, 8})}};
  trawl::write_safetensors((fs::path(dir) / "model.safetensors").string(), w);
  return dir;
}

}  // namespace

TEST_CASE("base weights are read once per directory and device, and LoRA trains only adapters") {
  const std::string dir = tiny_llama("tiny-llama");
  trawl::CausalLmBases bases;
  auto first = bases.get(dir, torch::kCPU);
  CHECK(bases.get(dir, torch::kCPU).get() == first.get());
  CHECK(bases.get(dir, torch::Device(torch::kMeta)).get() != first.get());

  auto lora = trawl::make_causal_lm(first, {4, 2, 4.0, 0.0, {"q_proj", "mlp.down_proj"}, false});
  std::vector<std::string> names;
  for (const auto& [name, t] : lora->named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"model.layers.0.self_attn.q_proj.lora_A.weight",
                                          "model.layers.0.self_attn.q_proj.lora_B.weight",
                                          "model.layers.0.mlp.down_proj.lora_A.weight",
                                          "model.layers.0.mlp.down_proj.lora_B.weight"});
  // B starts at zero, so the adapted model starts as the base.
  auto full = trawl::make_causal_lm(first, {4, 0, 1.0, 0.0, {}, false});
  torch::Tensor ids = torch::tensor({{1, 5, 7, 2}});
  CHECK(torch::allclose(lora->forward(ids), full->forward(ids)));

  // A full fine-tune trains its own copy: the shared base never changes.
  torch::Tensor before = first->weights.at("lm_head.weight").clone();
  for (auto& [name, p] : full->named_parameters()) p.data().add_(1.0);
  CHECK(torch::equal(first->weights.at("lm_head.weight"), before));
  CHECK(full->named_parameters().size() == first->weights.size());
}

TEST_CASE("on the meta device only shapes are checked: nothing is read") {
  const std::string dir = tiny_llama("tiny-llama-meta");
  auto meta = trawl::load_causal_lm_base(dir, torch::Device(torch::kMeta));
  CHECK(meta->weights.at("model.embed_tokens.weight").is_meta());
  auto model = trawl::make_causal_lm(meta, {4, 2, 4.0, 0.0, {"v_proj"}, false});
  CHECK(model->named_parameters().size() == 2);
  CHECK_THROWS_WITH(trawl::make_causal_lm(meta, {4, 2, 4.0, 0.0, {"w_proj"}, false}),
                    trawl::test::Contains("model.lora.targets: 'w_proj' names no linear module"));
}

TEST_CASE("a causal LM reading token by token with a KV cache gives the logits of the whole sequence", "[train]") {
  const std::string dir = tiny_llama("tiny-llama-cache");
  trawl::CausalLmBases bases;
  auto model = trawl::make_causal_lm(bases.get(dir, torch::kCPU), {12, 2, 4.0, 0.0, {"q_proj", "v_proj"}, false});
  torch::NoGradGuard no_grad;
  for (auto& [name, p] : model->named_parameters()) p.normal_();  // adapters that change the output
  model->train(false);
  const torch::Tensor ids = torch::tensor({{3, 1, 4, 1, 5, 9, 2, 6}});
  const torch::Tensor whole = model->forward(ids);
  trawl::KvCache cache;
  std::vector<torch::Tensor> parts{model->forward_cached(ids.narrow(1, 0, 3), cache)};  // a prompt of 3
  for (std::int64_t t = 3; t < 8; ++t) parts.push_back(model->forward_cached(ids.narrow(1, t, 1), cache));
  CHECK(cache.length == 8);
  CHECK(torch::allclose(torch::cat(parts, 1), whole, 1e-5, 1e-5));
  // Greedy decoding is the argmax of the full forward pass, token by token.
  const std::vector<std::int64_t> greedy = trawl::generate(*model, ids[0].narrow(0, 0, 3), 6, 12, {});
  torch::Tensor sequence = ids.narrow(1, 0, 3);
  for (std::int64_t expected : greedy) {
    CHECK(model->forward(sequence)[0][-1].argmax().item<std::int64_t>() == expected);
    sequence = torch::cat({sequence, torch::tensor({{expected}})}, 1);
  }
  // 9 tokens fill the context of 12 after the prompt of 3; the 10th needs no reading.
  CHECK(trawl::generate(*model, ids[0].narrow(0, 0, 3), 20, 12, {}).size() == 10);
}

TEST_CASE("a causal LM carries its task's head from the head registry", "[train]") {
  const std::string dir = tiny_llama("tiny-llama-head");
  auto base = trawl::load_causal_lm_base(dir, torch::kCPU);
  CHECK(trawl::causal_lm_head_tasks() == std::vector<std::string>{"lm", "classification", "regression"});
  auto lm = trawl::make_causal_lm(base, {4, 0, 1.0, 0.0, {}, false, "lm"});
  const torch::Tensor ids = torch::tensor({{1, 5, 7, 2}});
  CHECK(lm->forward(ids).sizes() == std::vector<std::int64_t>{1, 4, 16});
  // The LM head reads the model's own lm_head.weight (a full fine-tune trains it).
  {
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : lm->named_parameters())
      if (name == "lm_head.weight") p.zero_();
  }
  CHECK(torch::equal(lm->forward(ids), torch::zeros({1, 4, 16})));
  try {
    trawl::make_causal_lm(base, {4, 0, 1.0, 0.0, {}, false, "ranking"});
    FAIL("a task without a head was built");
  } catch (const trawl::InputError& e) {
    CHECK(e.key() == "data.task");
    CHECK_THAT(e.what(), trawl::test::Contains("a causal_lm has no head for data.task = \"ranking\""));
  }
}

TEST_CASE("a sequence classifier reads each row at its last real token", "[train]") {
  const std::string dir = tiny_llama("tiny-llama-classifier");
  auto base = trawl::load_causal_lm_base(dir, torch::kCPU);
  torch::manual_seed(0);
  auto classifier = trawl::make_causal_lm(base, {6, 0, 1.0, 0.0, {}, false, "classification", 3, 0});
  // Row 0 has 2 real tokens, then padding that repeats its own tokens: the
  // length, not the pad id, says where the row ends.
  const torch::Tensor ids = torch::tensor({{1, 5, 1, 5}, {3, 4, 9, 2}});
  const torch::Tensor lengths = torch::tensor({2, 4});
  const torch::Tensor logits = classifier->forward_padded(ids, lengths);
  REQUIRE(logits.sizes() == std::vector<std::int64_t>{2, 3});
  CHECK(torch::allclose(logits[0], classifier->forward_padded(ids.narrow(1, 0, 2).narrow(0, 0, 1), lengths.narrow(0, 0, 1))[0],
                        1e-5, 1e-6));
  CHECK(!torch::allclose(logits[0], classifier->forward_padded(ids.narrow(0, 0, 1), torch::tensor({4}))[0]));
  // A new head: normal(0, initializer_range 0.02), its only weights beside the body's.
  torch::Tensor score;
  for (auto& [name, p] : classifier->named_parameters())
    if (name == "score.weight") score = p;
  REQUIRE(score.defined());
  CHECK(score.sizes() == std::vector<std::int64_t>{3, 8});
  CHECK(score.std().item<double>() < 0.05);
  for (auto& [name, p] : classifier->named_parameters()) CHECK(name != "lm_head.weight");
}

TEST_CASE("a packed row's logits are its examples' own: positions restart and no example sees another", "[train]") {
  const std::string dir = tiny_llama("tiny-llama-packed");
  auto base = trawl::load_causal_lm_base(dir, torch::kCPU);
  auto model = trawl::make_causal_lm(base, {8, 0, 1.0, 0.0, {}, false});
  const torch::Tensor a = torch::tensor({{3, 1, 4}}), b = torch::tensor({{1, 5, 9, 2}});
  const torch::Tensor row = torch::cat({a, b, torch::tensor({{0}})}, 1);  // and one padding token
  const torch::Tensor positions = torch::tensor({{0, 1, 2, 0, 1, 2, 3, 0}});
  const torch::Tensor packed = model->forward_packed(row, positions);
  CHECK(torch::allclose(packed.narrow(1, 0, 3), model->forward(a), 1e-5, 1e-6));
  CHECK(torch::allclose(packed.narrow(1, 3, 4), model->forward(b), 1e-5, 1e-6));
  // Unpacked, b would read a's tokens and positions 3 to 6.
  CHECK(!torch::allclose(model->forward(row).narrow(1, 3, 4), model->forward(b), 1e-3, 1e-3));

  // Recomputing blocks in backward (activation checkpointing) keeps the mask.
  auto recomputed = trawl::make_causal_lm(base, {8, 0, 1.0, 0.0, {}, true});
  auto gradient = [&](trawl::Model& m) {
    for (auto& [name, p] : m.named_parameters()) p.requires_grad_(true);  // as the trainer makes them
    m.forward_packed(row, positions).pow(2).sum().backward();
    for (auto& [name, p] : m.named_parameters())
      if (name == "model.layers.0.self_attn.q_proj.weight") return p.grad().clone();
    return torch::Tensor();
  };
  const torch::Tensor plain = gradient(*model), again = gradient(*recomputed);
  REQUIRE(plain.defined());
  CHECK(plain.abs().sum().item<double>() > 0);
  CHECK(torch::allclose(plain, again, 1e-5, 1e-6));
}

TEST_CASE("a packed row's attention stays inside each example, and padding sees only itself", "[train]") {
  const torch::Tensor mask = trawl::packed_attention_mask(torch::tensor({{0, 1, 0, 1, 2, 0}}));
  REQUIRE(mask.sizes() == std::vector<std::int64_t>{1, 1, 6, 6});
  const torch::Tensor expected = torch::tensor({{1, 0, 0, 0, 0, 0},
                                                {1, 1, 0, 0, 0, 0},
                                                {0, 0, 1, 0, 0, 0},
                                                {0, 0, 1, 1, 0, 0},
                                                {0, 0, 1, 1, 1, 0},
                                                {0, 0, 0, 0, 0, 1}}).to(torch::kBool);
  CHECK(torch::equal(mask[0][0], expected));
}
