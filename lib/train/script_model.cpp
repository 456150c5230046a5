#include <torch/csrc/jit/passes/tensorexpr_fuser.h>
#include <torch/script.h>

#include "core/error.hpp"
#include "train/model.hpp"

namespace trawl {

namespace {

// A user's module saved with torch.jit.save; its forward takes one tensor.
class ScriptModel : public Model {
 public:
  explicit ScriptModel(torch::jit::Module module) : module_(std::move(module)) {}
  torch::Tensor forward(const torch::Tensor& input) override {
    return module_.forward({input}).toTensor();
  }
  NamedTensors named_parameters() override {
    NamedTensors out;
    for (const auto& item : module_.named_parameters(true)) out.emplace_back(item.name, item.value);
    return out;
  }
  NamedTensors named_buffers() override {
    NamedTensors out;
    for (const auto& item : module_.named_buffers(true)) out.emplace_back(item.name, item.value);
    return out;
  }
  void train(bool on) override { module_.train(on); }
  void to(torch::Device device) override { module_.to(device); }

 private:
  torch::jit::Module module_;
};

}  // namespace

std::unique_ptr<Model> load_script_model(const std::string& path) {
  // The profiling executor would fuse the module's ops with the TensorExpr
  // fuser, which a libtorch built with LLVM (Debian 13's 2.6) compiles to
  // CPU code on the first steps: minutes for a small MLP, and sums in
  // another order than the module's own ops. trawl trains the module as it
  // was written, as the eager reference does.
  torch::jit::setTensorExprFuserEnabled(false);
  try {
    return std::make_unique<ScriptModel>(torch::jit::load(path));
  } catch (const c10::Error& e) {
    throw InputError("model.path: " + path + " is not a TorchScript module torch.jit.load can read: " +
                     e.what_without_backtrace(), "model.path");
  }
}

}  // namespace trawl
