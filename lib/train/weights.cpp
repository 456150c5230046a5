#include "train/weights.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

std::string shape_text(const torch::Tensor& t) {
  std::vector<std::string> dims;
  for (auto d : t.sizes()) dims.push_back(std::to_string(d));
  return "[" + join(dims, ", ") + "]";
}

}  // namespace

void save_weights(torch::nn::Module& model, const std::string& path) {
  torch::serialize::OutputArchive archive;
  for (const auto& item : model.named_parameters()) archive.write(item.key(), item.value().detach());
  for (const auto& item : model.named_buffers()) archive.write(item.key(), item.value(), true);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  archive.save_to(temporary);
  std::filesystem::rename(temporary, path);
}

std::vector<std::string> load_weights(torch::nn::Module& model, const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError("model.init: no such file: " + path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw InputError("model.init: " + path + " is not a weights file trawl can read: " + e.what_without_backtrace());
  }
  auto parameters = model.named_parameters();
  auto buffers = model.named_buffers();
  std::vector<std::string> loaded;
  torch::NoGradGuard no_grad;
  for (const auto& name : archive.keys()) {
    torch::Tensor* target = parameters.find(name);
    if (!target) target = buffers.find(name);
    if (!target)
      throw InputError("model.init: " + path + " holds '" + name + "', which this model does not have" +
                       did_you_mean(name, parameters.keys()));
    torch::Tensor value;
    archive.read(name, value);
    if (value.sizes() != target->sizes())
      throw InputError("model.init: '" + name + "' is " + shape_text(value) + " in " + path + " but " +
                       shape_text(*target) + " in this model");
    target->copy_(value);
    loaded.push_back(name);
  }
  return loaded;
}

std::vector<torch::Tensor> apply_freeze(torch::nn::Module& model, const std::vector<std::string>& patterns) {
  std::vector<bool> used(patterns.size(), false);
  std::vector<torch::Tensor> trainable;
  for (auto& item : model.named_parameters()) {
    bool frozen = false;
    for (std::size_t i = 0; i < patterns.size(); ++i)
      if (glob_match(patterns[i], item.key())) frozen = used[i] = true;
    item.value().set_requires_grad(!frozen);
    if (!frozen) trainable.push_back(item.value());
  }
  for (std::size_t i = 0; i < patterns.size(); ++i)
    if (!used[i])
      throw InputError("model.freeze: pattern '" + patterns[i] + "' matches no parameter; parameters are " +
                       join(model.named_parameters().keys(), ", "));
  return trainable;
}

}  // namespace trawl
