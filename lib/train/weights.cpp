#include "train/weights.hpp"

#include <filesystem>

#include "checkpoint/train_state.hpp"
#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "train/causal_lm.hpp"

namespace trawl {

namespace {

std::string shape_text(const torch::Tensor& t) {
  std::vector<std::string> dims;
  for (auto d : t.sizes()) dims.push_back(std::to_string(d));
  return "[" + join(dims, ", ") + "]";
}

std::vector<std::string> names_of(const NamedTensors& tensors) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : tensors) names.push_back(name);
  return names;
}

}  // namespace

void save_weights(Model& model, const std::string& path, WhichWeights which) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, tensor] : model.named_parameters())
    if (which == WhichWeights::all || tensor.requires_grad()) archive.write(name, tensor.detach().cpu());
  for (const auto& [name, tensor] : model.named_buffers()) archive.write(name, tensor.cpu(), true);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  DurableFile file(path);
  write_archive(archive, [&](const void* data, std::size_t size) { file.write(data, size); });
  file.commit();
}

std::string Model::save_final(const std::string& path) {
  save_weights(*this, path);
  return path;
}

std::vector<std::string> load_weights(Model& model, const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError("model.init: no such file: " + path, "model.init");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw InputError("model.init: " + path + " is not a weights file trawl can read: " + e.what_without_backtrace(),
                     "model.init");
  }
  NamedTensors targets = model.named_parameters();
  for (auto& buffer : model.named_buffers()) targets.push_back(buffer);
  std::vector<std::string> loaded;
  torch::NoGradGuard no_grad;
  for (const auto& name : archive.keys()) {
    auto it = std::find_if(targets.begin(), targets.end(), [&](const auto& t) { return t.first == name; });
    if (it == targets.end())
      throw InputError("model.init: " + path + " holds '" + name + "', which this model does not have" +
                       did_you_mean(name, names_of(targets)), "model.init");
    torch::Tensor value;
    archive.read(name, value);
    if (value.sizes() != it->second.sizes())
      throw InputError("model.init: '" + name + "' is " + shape_text(value) + " in " + path + " but " +
                       shape_text(it->second) + " in this model", "model.init");
    it->second.copy_(value);
    loaded.push_back(name);
  }
  return loaded;
}

std::vector<torch::Tensor> apply_freeze(Model& model, const std::vector<std::string>& patterns) {
  std::vector<bool> used(patterns.size(), false);
  std::vector<torch::Tensor> trainable;
  NamedTensors params = model.named_parameters();
  for (auto& [name, tensor] : params) {
    bool frozen = false;
    for (std::size_t i = 0; i < patterns.size(); ++i)
      if (glob_match(patterns[i], name)) frozen = used[i] = true;
    tensor.set_requires_grad(!frozen);
    if (!frozen) trainable.push_back(tensor);
  }
  for (std::size_t i = 0; i < patterns.size(); ++i)
    if (!used[i])
      throw InputError("model.freeze: pattern '" + patterns[i] + "' matches no parameter; parameters are " +
                       join(names_of(params), ", "), "model.freeze");
  return trainable;
}

}  // namespace trawl
