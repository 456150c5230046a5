#include "checkpoint/train_state.hpp"

#include <exception>
#include <mutex>

#include "core/error.hpp"

namespace trawl {

namespace {

void write_metrics(torch::serialize::OutputArchive& a, const std::string& key, const std::map<std::string, double>& m) {
  std::string names;
  std::vector<double> values;
  for (const auto& [name, value] : m) {
    names += name + "\n";
    values.push_back(value);
  }
  a.write(key + ".names", c10::IValue(names));
  a.write(key + ".values", torch::tensor(values, torch::kDouble));
}

std::map<std::string, double> read_metrics(torch::serialize::InputArchive& a, const std::string& key) {
  c10::IValue names;
  torch::Tensor values;
  a.read(key + ".names", names);
  a.read(key + ".values", values);
  std::map<std::string, double> m;
  std::size_t i = 0, start = 0;
  const std::string text = names.toStringRef();
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    m[text.substr(start, end - start)] = values[static_cast<std::int64_t>(i++)].item<double>();
  return m;
}

torch::Tensor generator_state(at::Generator& generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator& generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

void write_loop(torch::serialize::OutputArchive& a, const LoopCounters& s) {
  if (s.order.defined()) a.write("order", s.order.cpu());
  a.write("loop.int", torch::tensor({s.step, s.eval_index, s.loss_steps, s.examples_since_eval, s.best_step},
                                    torch::kLong));
  a.write("loop.real", torch::tensor({s.loss_window, s.best}, torch::kDouble));
  write_metrics(a, "best", s.best_metrics);
  write_metrics(a, "final", s.final_metrics);
  a.write("loop.patience", torch::tensor({static_cast<double>(s.patience_wait), s.patience_best}, torch::kDouble));
}

void read_loop(torch::serialize::InputArchive& a, LoopCounters& s, torch::Device device) {
  torch::Tensor order, ints, reals;
  if (a.try_read("order", order)) s.order = order.to(device);
  a.read("loop.int", ints);
  a.read("loop.real", reals);
  s.step = ints[0].item<std::int64_t>();
  s.eval_index = ints[1].item<std::int64_t>();
  s.loss_steps = ints[2].item<std::int64_t>();
  s.examples_since_eval = ints[3].item<std::int64_t>();
  s.best_step = ints[4].item<std::int64_t>();
  s.loss_window = reals[0].item<double>();
  s.best = reals[1].item<double>();
  s.best_metrics = read_metrics(a, "best");
  s.final_metrics = read_metrics(a, "final");
  // Checkpoints made before train.patience existed have no patience counters.
  torch::Tensor patience;
  if (a.try_read("loop.patience", patience)) {
    s.patience_wait = static_cast<std::int64_t>(patience[0].item<double>());
    s.patience_best = patience[1].item<double>();
  }
}

void read_tensors(torch::serialize::InputArchive& a, const NamedTensors& params, const NamedTensors& buffers) {
  torch::serialize::InputArchive stored_params, stored_buffers;
  a.read("params", stored_params);
  a.read("buffers", stored_buffers);
  torch::NoGradGuard no_grad;
  for (const auto& [name, p] : params) {
    torch::Tensor value;
    if (!stored_params.try_read(name, value) || value.sizes() != p.sizes())
      throw Error("it has no parameter '" + name + "' of this shape");
    p.copy_(value);
  }
  for (const auto& [name, b] : buffers) {
    torch::Tensor value;
    if (stored_buffers.try_read(name, value, true)) b.copy_(value);
  }
}

}  // namespace

void save_state(const TrainState& state, const CheckpointDir::Sink& write) {
  torch::serialize::OutputArchive a, params, buffers, opt;
  a.write("format", c10::IValue(std::int64_t{1}));
  a.write("base", c10::IValue(state.base_hash));
  a.write("identity", c10::IValue(state.identity));
  for (const auto& [name, p] : state.trainable) params.write(name, p.detach());
  for (const auto& [name, b] : state.buffers) buffers.write(name, b, true);
  a.write("params", params);
  a.write("buffers", buffers);
  state.optimizer->save(opt);
  a.write("optimizer", opt);
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  a.write("rng.cpu", generator_state(cpu));
  a.write("rng.data", generator_state(*state.data_generator));
  write_loop(a, *state.loop);
  write_archive(a, write);
}

void load_state(const std::string& payload, TrainState& state, torch::Device device) {
  torch::serialize::InputArchive a, opt;
  a.load_from(payload.data(), payload.size(), device);
  c10::IValue base, identity;
  if (!a.try_read("identity", identity)) throw Error("it does not say which trial it belongs to");
  if (identity.toStringRef() != state.identity)
    throw Error("it belongs to " + identity.toStringRef() + ", not to " + state.identity);
  a.read("base", base);
  if (base.toStringRef() != state.base_hash) throw Error("it was made from other base weights");
  read_tensors(a, state.trainable, state.buffers);
  a.read("optimizer", opt);
  state.optimizer->load(opt);
  torch::Tensor rng;
  at::Generator cpu = at::detail::getDefaultCPUGenerator();
  a.read("rng.cpu", rng);
  set_generator_state(cpu, rng.cpu());
  a.read("rng.data", rng);
  set_generator_state(*state.data_generator, rng.cpu());
  read_loop(a, *state.loop, device);
}

// No exception may cross torch's zip writer: it would write again from its
// destructor, throw again and terminate (a full disk did). The first failure
// is kept, the rest of the archive dropped, and the failure rethrown once
// torch is done.
void write_archive(torch::serialize::OutputArchive& archive, const CheckpointDir::Sink& write) {
  std::exception_ptr failed;
  archive.save_to([&](const void* data, std::size_t size) {
    if (!failed) {
      try {
        write(data, size);
      } catch (...) {
        failed = std::current_exception();
      }
    }
    return size;
  });
  if (failed) std::rethrow_exception(failed);
}

}  // namespace trawl
