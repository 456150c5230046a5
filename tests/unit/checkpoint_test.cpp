#include <torch/torch.h>
// glog, through torch, defines CHECK; these tests mean Catch's.
#undef CHECK
#include "catch_support.hpp"

#include <filesystem>
#include <fstream>

#include "checkpoint/checkpoint_dir.hpp"
#include "checkpoint/train_state.hpp"
#include "core/hash.hpp"
#include "test_files.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A payload handed over in pieces of 3 bytes, as torch hands over its archive.
trawl::CheckpointDir::Payload in_pieces(const std::string& payload) {
  return [payload](const trawl::CheckpointDir::Sink& write) {
    for (std::size_t at = 0; at < payload.size(); at += 3) write(payload.data() + at, std::min<std::size_t>(3, payload.size() - at));
  };
}

// A trawl 0.1 container: "TRAWLCK1", length, payload, FNV-1a.
std::string version1_container(const std::string& payload) {
  std::string out = "TRAWLCK1";
  auto put = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(payload.size());
  out += payload;
  put(trawl::legacy_checksum(payload));
  return out;
}

}  // namespace

TEST_CASE("the checkpoint container round-trips and refuses damage", "[checkpoint]") {
  std::string why;
  const std::string dir = trawl::test::scratch_dir("checkpoint-container");
  trawl::CheckpointDir(dir, 1).save(1, in_pieces("payload bytes"));
  const std::string bytes = read_bytes(dir + "/step-1.ckpt");
  CHECK(bytes.compare(0, 8, "TRAWLCK2") == 0);
  CHECK(bytes.size() == 8 + 8 + 13 + 8);
  CHECK(bytes.compare(16, 13, "payload bytes") == 0);
  CHECK(bytes.substr(8, 8) == std::string("\x0d\0\0\0\0\0\0\0", 8));  // the length, filled in at the end
  CHECK(trawl::decode_checkpoint(bytes, why) == std::optional<std::string>("payload bytes"));
  CHECK_FALSE(trawl::decode_checkpoint(bytes.substr(0, bytes.size() - 3), why));
  CHECK(why.find("torn") != std::string::npos);
  std::string flipped = bytes;
  flipped[8 + 8 + 3] ^= 0x01;  // inside the payload (after magic and length)
  CHECK_FALSE(trawl::decode_checkpoint(flipped, why));
  CHECK(why == "checksum mismatch");
  CHECK_FALSE(trawl::decode_checkpoint("not a checkpoint at all, no", why));
  CHECK(why.find("bad header") != std::string::npos);
  // trawl 0.1's files stay readable.
  CHECK(trawl::decode_checkpoint(version1_container("old"), why) == std::optional<std::string>("old"));
}

TEST_CASE("a checkpoint dir keeps the newest, skips a corrupt one and lists steps", "[checkpoint]") {
  const std::string dir = trawl::test::scratch_dir("checkpoint-dir") + "/ckpt";
  const trawl::CheckpointDir checkpoints(dir, 2);
  CHECK_FALSE(checkpoints.load_latest([](const std::string&) {}));
  for (std::int64_t step : {10, 20, 30}) checkpoints.save(step, in_pieces("state at " + std::to_string(step)));
  CHECK(checkpoints.steps() == std::vector<std::int64_t>({30, 20}));  // retention: 2
  write_bytes(dir + "/step-30.ckpt", read_bytes(dir + "/step-30.ckpt").substr(0, 20));  // torn
  write_bytes(dir + "/step-x.ckpt", "a user's file");
  std::vector<std::string> skipped;
  auto latest = checkpoints.load_latest([&](const std::string& why) { skipped.push_back(why); });
  REQUIRE(latest);
  CHECK(latest->step == 20);
  CHECK(latest->payload == "state at 20");
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].find("step-30.ckpt") != std::string::npos);
  CHECK(fs::exists(dir + "/step-x.ckpt"));  // not ours: left alone
}

TEST_CASE("the training state payload restores parameters, optimizer, RNGs and counters", "[checkpoint]") {
  torch::manual_seed(3);
  torch::nn::Linear layer(4, 3);
  torch::optim::AdamW optimizer(layer->parameters(), torch::optim::AdamWOptions(0.01));
  auto step = [&]() {
    optimizer.zero_grad();
    layer->forward(torch::randn({5, 4})).pow(2).sum().backward();
    optimizer.step();
  };
  step();
  at::Generator data = at::detail::createCPUGenerator(7);
  trawl::LoopCounters loop;
  loop.step = 1;
  loop.best = 0.5;
  loop.best_step = 1;
  loop.best_metrics = {{"val.loss", 0.5}};
  loop.order = torch::randperm(8, data, torch::kLong);
  auto named = [&]() {
    trawl::NamedTensors params;
    for (auto& p : layer->named_parameters()) params.emplace_back(p.key(), p.value());
    return params;
  };
  trawl::TrainState state{named(), {}, &optimizer, &data, &loop, "base-hash", "trial (lr=0.1)"};
  std::string payload;
  trawl::save_state(state, [&](const void* data, std::size_t size) { payload.append(static_cast<const char*>(data), size); });

  // Where an uninterrupted run goes next ...
  step();
  const torch::Tensor expected_weight = layer->weight.detach().clone();
  const torch::Tensor expected_draw = torch::randperm(8, data, torch::kLong);

  // ... a restored one goes too.
  trawl::LoopCounters restored;
  trawl::TrainState into{named(), {}, &optimizer, &data, &restored, "base-hash", "trial (lr=0.1)"};
  trawl::load_state(payload, into, torch::kCPU);
  CHECK(restored.step == 1);
  CHECK(restored.best == 0.5);
  CHECK(restored.best_metrics.at("val.loss") == 0.5);
  CHECK(torch::equal(restored.order, loop.order));
  step();
  CHECK(torch::equal(layer->weight, expected_weight));
  CHECK(torch::equal(torch::randperm(8, data, torch::kLong), expected_draw));

  trawl::TrainState other_trial{named(), {}, &optimizer, &data, &restored, "base-hash", "trial (lr=0.2)"};
  CHECK_THROWS_WITH(trawl::load_state(payload, other_trial, torch::kCPU),
                    trawl::test::Contains("it belongs to trial (lr=0.1), not to trial (lr=0.2)"));
  trawl::TrainState other{named(), {}, &optimizer, &data, &restored, "other-base", "trial (lr=0.1)"};
  CHECK_THROWS_WITH(trawl::load_state(payload, other, torch::kCPU), trawl::test::Contains("other base weights"));
  torch::nn::Linear wider(5, 3);
  trawl::NamedTensors wrong;
  for (auto& p : wider->named_parameters()) wrong.emplace_back(p.key(), p.value());
  trawl::TrainState mismatched{wrong, {}, &optimizer, &data, &restored, "base-hash", "trial (lr=0.1)"};
  CHECK_THROWS_WITH(trawl::load_state(payload, mismatched, torch::kCPU),
                    trawl::test::Contains("no parameter 'weight' of this shape"));
}
