// Peak extra host memory of writing a checkpoint (issue 14, item 6): the
// streamed save trawl does against the same payload first built in memory
// and then written (what trawl did before), measured in the same run, for
// the model of bench/checkpoint_bench.py (MLP 256->1024x4->10, the last
// hidden layer and the head trained with AdamW) and a full fine-tune of it.
// The peak is the process's VmHWM after resetting it (/proc/self/clear_refs).
//
// usage: checkpoint_memory_bench [dir]   (default: $TMPDIR or /tmp)
#include <malloc.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "checkpoint/checkpoint_dir.hpp"
#include "checkpoint/train_state.hpp"
#include "core/durable_file.hpp"

namespace {

long resident_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::string(field).size());
  return -1;
}

// Freed heap goes back to the system first, so what an earlier measurement
// left behind does not hide this one's growth.
void reset_peak() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

struct Measured {
  double extra_mib, milliseconds;
};

// Peak resident memory above the resident memory before `write` ran.
template <typename F>
Measured measure(F&& write) {
  reset_peak();
  const long before = resident_kib("VmRSS:");
  const auto start = std::chrono::steady_clock::now();
  write();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return {static_cast<double>(resident_kib("VmHWM:") - before) / 1024.0, ms};
}

void run(const char* label, torch::nn::Sequential& model, bool full, const std::string& dir) {
  trawl::NamedTensors trainable;
  std::vector<torch::Tensor> parameters;
  std::int64_t largest = 0, total = 0;
  for (const auto& p : model->named_parameters()) {
    const bool trained = full || p.key().rfind("6.", 0) == 0 || p.key().rfind("8.", 0) == 0;
    p.value().set_requires_grad(trained);
    if (!trained) continue;
    trainable.emplace_back(p.key(), p.value());
    parameters.push_back(p.value());
    largest = std::max<std::int64_t>(largest, p.value().nbytes());
    total += p.value().nbytes();
  }
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(1e-3));
  model->forward(torch::randn({8, 256})).sum().backward();
  optimizer.step();
  at::Generator data = at::detail::createCPUGenerator(1);
  trawl::LoopCounters loop;
  const trawl::TrainState state{trainable, {}, &optimizer, &data, &loop, "base", "bench"};
  const trawl::CheckpointDir checkpoints(dir, 1);

  const Measured streamed = measure([&] {
    checkpoints.save(1, [&](const trawl::CheckpointDir::Sink& write) { trawl::save_state(state, write); });
  });
  const Measured buffered = measure([&] {
    std::string payload;
    trawl::save_state(state, [&](const void* d, std::size_t n) { payload.append(static_cast<const char*>(d), n); });
    trawl::write_file_durably(dir + "/buffered.ckpt", payload);
  });
  std::printf("%s: trained tensors %.1f MiB (largest %.1f MiB; with AdamW state x3)\n", label, total / 1048576.0,
              largest / 1048576.0);
  std::printf("  streamed (trawl):      peak extra %7.1f MiB, %6.1f ms\n", streamed.extra_mib, streamed.milliseconds);
  std::printf("  built, then written:   peak extra %7.1f MiB, %6.1f ms\n", buffered.extra_mib, buffered.milliseconds);
  std::printf("  streamed peak extra / largest tensor: %.2f\n", streamed.extra_mib * 1048576.0 / largest);
}

}  // namespace

int main(int argc, char** argv) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = argc > 1 ? argv[1] : std::string(tmp ? tmp : "/tmp") + "/trawl-checkpoint-memory-bench";
  torch::set_num_threads(1);
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(256, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 1024),
                              torch::nn::ReLU(), torch::nn::Linear(1024, 1024), torch::nn::ReLU(),
                              torch::nn::Linear(1024, 1024), torch::nn::ReLU(), torch::nn::Linear(1024, 10));
  try {
    run("fine-tune (last hidden layer and head)", model, false, dir);
    run("full fine-tune", model, true, dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_memory_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
