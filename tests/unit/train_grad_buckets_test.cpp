#include <torch/torch.h>
// glog, through torch, defines CHECK; these tests mean Catch's.
#undef CHECK
#include "catch_support.hpp"

#include "train/grad_buckets.hpp"

namespace {

// An all-reduce over two identical ranks: every buffer doubles.
struct DoublingReduce : trawl::GradientAllReduce {
  int started = 0;
  void start(void* data, std::size_t count, trawl::ElementType type) override {
    REQUIRE(type == trawl::ElementType::f32);
    float* values = static_cast<float*>(data);
    for (std::size_t i = 0; i < count; ++i) values[i] *= 2;
    ++started;
  }
  void wait_all() override {}
  const char* name() const override { return "doubling"; }
};

struct Net {
  torch::nn::Sequential layers{torch::nn::Linear(6, 5), torch::nn::ReLU(), torch::nn::Linear(5, 2)};
  std::vector<torch::Tensor> params() { return layers->parameters(); }
  torch::Tensor loss() {
    torch::manual_seed(0);
    return layers->forward(torch::randn({4, 6})).pow(2).sum();
  }
};

std::vector<torch::Tensor> grads(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.grad().clone());
  return out;
}

}  // namespace

TEST_CASE("gradient buckets pack by size and hand back the reduced gradients", "[train]") {
  torch::manual_seed(1);
  Net net;
  DoublingReduce reduce;
  CHECK(trawl::GradientBuckets(net.params(), 25, reduce).bucket_count() == 1);
  CHECK(trawl::GradientBuckets(net.params(), 1e-7, reduce).bucket_count() == 4);  // one per parameter

  net.loss().backward();
  const auto plain = grads(net.params());
  for (auto& p : net.params()) p.mutable_grad().zero_();
  trawl::GradientBuckets buckets(net.params(), 1e-7, reduce);
  buckets.arm();
  net.loss().backward();
  buckets.finish();
  CHECK(reduce.started == 4);
  const auto reduced = grads(net.params());
  for (std::size_t k = 0; k < plain.size(); ++k) CHECK(torch::allclose(reduced[k], plain[k] * 2));
}

TEST_CASE("gradient buckets remove their hooks when they go, though the model stays", "[train]") {
  Net net;
  DoublingReduce reduce;
  {
    trawl::GradientBuckets buckets(net.params(), 25, reduce);
    buckets.arm();  // armed and never finished: its hooks would fire on the next backward
  }
  for (auto& p : net.params())
    if (p.grad().defined()) p.mutable_grad().zero_();
  net.loss().backward();  // with a hook left behind, this would call into the freed buckets
  CHECK(reduce.started == 0);
}
