#include <torch/torch.h>
// glog, through torch, defines CHECK; these tests mean Catch's.
#undef CHECK
#include "catch_support.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include "grid/trial_settings.hpp"
#include "train/generate.hpp"
#include "train/model.hpp"

#include <set>

namespace {

std::unique_ptr<trawl::Model> tiny_gpt() {
  trawl::TrialSettings t;
  t.model.kind = "gpt";
  t.model.layers = 2;
  t.model.d_model = 16;
  t.model.heads = 4;
  t.model.seq_len = 24;
  torch::manual_seed(3);
  auto model = trawl::make_model(t, trawl::DataShape{});
  model->train(false);
  return model;
}

}  // namespace

TEST_CASE("the GPT reading token by token with a KV cache gives the logits of the whole sequence", "[train]") {
  auto model = tiny_gpt();
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = torch::randint(0, 256, {2, 10}, torch::kLong);
  const torch::Tensor whole = model->forward(ids);
  trawl::KvCache cache;
  std::vector<torch::Tensor> parts{model->forward_cached(ids.narrow(1, 0, 4), cache)};
  for (std::int64_t t = 4; t < 10; t += 2) parts.push_back(model->forward_cached(ids.narrow(1, t, 2), cache));
  CHECK(torch::allclose(torch::cat(parts, 1), whole, 1e-5, 1e-5));
  CHECK_THROWS_WITH(model->forward_cached(torch::zeros({2, 15}, torch::kLong), cache),
                    trawl::test::Contains("25 tokens exceeds model.seq_len 24"));
}

TEST_CASE("greedy decoding is the argmax of the full forward pass, token by token", "[train]") {
  auto model = tiny_gpt();
  torch::NoGradGuard no_grad;
  const torch::Tensor prompt = torch::tensor({72, 101, 108, 108, 111}, torch::kLong);
  const std::vector<std::int64_t> greedy = trawl::generate(*model, prompt, 8, 24, {});
  REQUIRE(greedy.size() == 8);
  torch::Tensor sequence = prompt.unsqueeze(0);
  for (std::int64_t expected : greedy) {
    CHECK(model->forward(sequence)[0][-1].argmax().item<std::int64_t>() == expected);
    sequence = torch::cat({sequence, torch::tensor({{expected}}, torch::kLong)}, 1);
  }
  trawl::Sampling one;
  one.temperature = 0.7;
  one.top_k = 1;  // only the most likely token is left to draw
  CHECK(trawl::generate(*model, prompt, 8, 24, one) == greedy);
}

TEST_CASE("sampling is deterministic for a seed, and different seeds draw differently", "[train]") {
  auto model = tiny_gpt();
  const torch::Tensor prompt = torch::tensor({1, 2, 3}, torch::kLong);
  trawl::Sampling s;
  s.temperature = 2.0;
  s.seed = 11;
  const auto first = trawl::generate(*model, prompt, 16, 24, s);
  CHECK(trawl::generate(*model, prompt, 16, 24, s) == first);
  s.seed = 12;
  CHECK(trawl::generate(*model, prompt, 16, 24, s) != first);
}

TEST_CASE("top-p keeps the fewest most likely tokens whose probability reaches it", "[train]") {
  const torch::Tensor logits = torch::log(torch::tensor({0.2, 0.5, 0.3}, torch::kFloat));
  at::Generator g = at::detail::createCPUGenerator(5);
  trawl::Sampling s;
  s.temperature = 1.0;
  s.top_p = 0.5;  // token 1 alone has 0.5
  for (int i = 0; i < 20; ++i) CHECK(trawl::next_token(logits, s, g) == 1);
  s.top_p = 0.6;  // tokens 1 and 2
  std::set<std::int64_t> drawn;
  for (int i = 0; i < 100; ++i) drawn.insert(trawl::next_token(logits, s, g));
  CHECK(drawn == std::set<std::int64_t>{1, 2});
  s.top_p = 1.0;
  s.top_k = 2;  // the same two, by count
  drawn.clear();
  for (int i = 0; i < 100; ++i) drawn.insert(trawl::next_token(logits, s, g));
  CHECK(drawn == std::set<std::int64_t>{1, 2});
}
