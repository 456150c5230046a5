#include "comm/all_reduce.hpp"

#include <vector>

namespace trawl {

namespace {

MPI_Datatype mpi_type(ElementType type) {
  switch (type) {
    case ElementType::f32: return MPI_FLOAT;
    case ElementType::f64: return MPI_DOUBLE;
    case ElementType::bf16: break;
  }
  throw Error("the MPI all-reduce sums float32 and float64 gradients; bf16 gradients need the NCCL backend");
}

class MpiAllReduce : public GradientAllReduce {
 public:
  explicit MpiAllReduce(const Communicator& group) : group_(group) {}
  ~MpiAllReduce() override {
    if (!pending_.empty()) MPI_Waitall(static_cast<int>(pending_.size()), pending_.data(), MPI_STATUSES_IGNORE);
  }

  void start(void* data, std::size_t count, ElementType type) override {
    MPI_Request request = MPI_REQUEST_NULL;
    TRAWL_MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count), mpi_type(type), MPI_SUM,
                                   group_.get(), &request));
    pending_.push_back(request);
  }

  void wait_all() override {
    if (pending_.empty()) return;
    std::vector<MPI_Request> requests;
    requests.swap(pending_);
    TRAWL_MPI_CHECK(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE));
  }

  const char* name() const override { return "mpi"; }

 private:
  const Communicator& group_;
  std::vector<MPI_Request> pending_;
};

}  // namespace

std::unique_ptr<GradientAllReduce> make_mpi_all_reduce(const Communicator& group) {
  return std::make_unique<MpiAllReduce>(group);
}

#ifndef TRAWL_WITH_CUDA
bool nccl_available() { return false; }

std::unique_ptr<GradientAllReduce> make_nccl_all_reduce(const Communicator&, int, void*) {
  throw Error("this trawl was built without CUDA and NCCL; rebuild with -DTRAWL_WITH_CUDA=ON for GPU groups");
}
#endif

}  // namespace trawl
