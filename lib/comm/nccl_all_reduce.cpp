// The NCCL backend. Compiled only with -DTRAWL_WITH_CUDA=ON (CMake leaves it
// out otherwise); it needs CUDA's runtime and NCCL, not torch.
#ifdef TRAWL_WITH_CUDA
#include <cuda_runtime.h>
#include <nccl.h>

#include <string>
#include <utility>

#include "comm/all_reduce.hpp"

namespace trawl {

namespace {

void cuda_check(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess)
    throw Error(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " + cudaGetErrorString(code));
}

void nccl_check(ncclResult_t code, const char* call, const char* file, int line) {
  if (code != ncclSuccess)
    throw Error(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " + ncclGetErrorString(code));
}

#define TRAWL_CUDA_CHECK(call) cuda_check((call), #call, __FILE__, __LINE__)
#define TRAWL_NCCL_CHECK(call) nccl_check((call), #call, __FILE__, __LINE__)

// One NCCL communicator, destroyed with its owner.
class NcclCommunicator {
 public:
  NcclCommunicator(const Communicator& group, int device) {
    TRAWL_CUDA_CHECK(cudaSetDevice(device));
    ncclUniqueId id{};
    if (group.rank() == 0) TRAWL_NCCL_CHECK(ncclGetUniqueId(&id));
    group.broadcast(&id, static_cast<int>(sizeof id), MPI_BYTE, 0);
    TRAWL_NCCL_CHECK(ncclCommInitRank(&comm_, group.size(), id, group.rank()));
  }
  ~NcclCommunicator() {
    if (comm_) ncclCommDestroy(comm_);
  }
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;
  ncclComm_t get() const { return comm_; }

 private:
  ncclComm_t comm_ = nullptr;
};

ncclDataType_t nccl_type(ElementType type) {
  switch (type) {
    case ElementType::f32: return ncclFloat32;
    case ElementType::f64: return ncclFloat64;
    case ElementType::bf16: return ncclBfloat16;
  }
  return ncclFloat32;
}

class NcclAllReduce : public GradientAllReduce {
 public:
  NcclAllReduce(const Communicator& group, int device, void* stream)
      : comm_(group, device), stream_(static_cast<cudaStream_t>(stream)) {}

  void start(void* data, std::size_t count, ElementType type) override {
    TRAWL_NCCL_CHECK(ncclAllReduce(data, data, count, nccl_type(type), ncclSum, comm_.get(), stream_));
  }

  // Later work on the same stream runs after the reductions; nothing to wait for.
  void wait_all() override {}

  const char* name() const override { return "nccl"; }

 private:
  NcclCommunicator comm_;
  cudaStream_t stream_;
};

}  // namespace

bool nccl_available() { return true; }

std::unique_ptr<GradientAllReduce> make_nccl_all_reduce(const Communicator& group, int device, void* stream) {
  return std::make_unique<NcclAllReduce>(group, device, stream);
}

}  // namespace trawl
#endif
