#include "train/grad_buckets.hpp"

#include "core/error.hpp"

namespace trawl {

namespace {

ElementType element_type(const torch::Tensor& t) {
  if (t.scalar_type() == torch::kFloat) return ElementType::f32;
  if (t.scalar_type() == torch::kDouble) return ElementType::f64;
  if (t.scalar_type() == torch::kBFloat16) return ElementType::bf16;
  throw Error(std::string("cannot all-reduce gradients of type ") + c10::toString(t.scalar_type()));
}

}  // namespace

GradientBuckets::GradientBuckets(std::vector<torch::Tensor> params, double bucket_mb, GradientAllReduce& reduce)
    : params_(std::move(params)), where_(params_.size()), filled_(params_.size(), false), reduce_(reduce) {
  const double limit = std::max(bucket_mb, 1e-6) * 1024 * 1024;
  // Backward produces the last layers' gradients first: fill buckets in that order.
  for (std::size_t k = params_.size(); k-- > 0;) {
    const torch::Tensor& p = params_[k];
    const double bytes = static_cast<double>(p.numel() * p.element_size());
    bool fits = !buckets_.empty() && buckets_.back().flat.scalar_type() == p.scalar_type() &&
                buckets_.back().flat.device() == p.device() &&
                static_cast<double>(buckets_.back().flat.numel() * p.element_size()) + bytes <= limit;
    if (!fits) buckets_.push_back(Bucket{torch::empty({0}, p.options()), {}, 0, false});
    Bucket& b = buckets_.back();
    where_[k] = {buckets_.size() - 1, b.slots.size()};
    b.slots.push_back(Slot{k, b.flat.numel(), p.numel()});
    b.flat = torch::empty({b.flat.numel() + p.numel()}, p.options());
  }
  for (std::size_t k = 0; k < params_.size(); ++k) {
    hooks_.push_back(params_[k].register_hook([this, k](torch::Tensor grad) {
      if (armed_) on_gradient(k, grad);
      return torch::Tensor();
    }));
  }
}

GradientBuckets::~GradientBuckets() {
  // The hooks capture `this` and belong to the tensors, which may outlive
  // this object (the model is the caller's): remove every one.
  armed_ = false;
  for (std::size_t k = 0; k < hooks_.size(); ++k) params_[k].remove_hook(hooks_[k]);
  try {
    reduce_.wait_all();
  } catch (...) {
  }
}

void GradientBuckets::arm() {
  armed_ = true;
  for (auto& b : buckets_) {
    b.ready = 0;
    b.started = false;
  }
  std::fill(filled_.begin(), filled_.end(), false);
}

void GradientBuckets::on_gradient(std::size_t param, const torch::Tensor& grad) {
  auto [bucket_index, slot_index] = where_[param];
  Bucket& b = buckets_[bucket_index];
  const Slot& slot = b.slots[slot_index];
  torch::NoGradGuard no_grad;
  torch::Tensor view = b.flat.narrow(0, slot.offset, slot.numel);
  // Earlier micro-batches of this step have accumulated into .grad already.
  const torch::Tensor& earlier = params_[param].grad();
  if (earlier.defined()) view.copy_((grad + earlier).reshape(-1));
  else view.copy_(grad.reshape(-1));
  filled_[param] = true;
  if (++b.ready == b.slots.size()) start(b);
}

void GradientBuckets::start(Bucket& bucket) {
  bucket.started = true;
  reduce_.start(bucket.flat.data_ptr(), static_cast<std::size_t>(bucket.flat.numel()), element_type(bucket.flat));
}

void GradientBuckets::finish() {
  torch::NoGradGuard no_grad;
  // Parameters that took no part in this loss have no hook call: send what
  // .grad holds (or zeros), so every rank starts the same reductions.
  for (auto& b : buckets_) {
    if (b.started) continue;
    for (const auto& slot : b.slots) {
      if (filled_[slot.param]) continue;
      const torch::Tensor& g = params_[slot.param].grad();
      torch::Tensor view = b.flat.narrow(0, slot.offset, slot.numel);
      if (g.defined()) view.copy_(g.reshape(-1));
      else view.zero_();
    }
    start(b);
  }
  reduce_.wait_all();
  armed_ = false;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    auto [bucket_index, slot_index] = where_[k];
    const Slot& slot = buckets_[bucket_index].slots[slot_index];
    torch::Tensor summed = buckets_[bucket_index].flat.narrow(0, slot.offset, slot.numel).view_as(params_[k]);
    torch::Tensor& grad = params_[k].mutable_grad();
    if (grad.defined()) grad.copy_(summed);
    else grad = summed.clone();
  }
}

}  // namespace trawl
