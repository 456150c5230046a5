// lib/comm: the one gradient all-reduce interface, with two backends: MPI for
// buffers in host memory, NCCL for buffers on a GPU (TRAWL_WITH_CUDA builds).
// Both sum in place across one rank group.
#pragma once

#include <cstddef>
#include <memory>

#include "comm/mpi.hpp"

namespace trawl {

enum class ElementType { f32, f64, bf16 };

class GradientAllReduce {
 public:
  virtual ~GradientAllReduce() = default;
  // Starts summing `count` elements at `data` across the group, in place.
  // Every rank must start the same reductions in the same order.
  virtual void start(void* data, std::size_t count, ElementType type) = 0;
  // Returns when every started reduction has finished (or, for a GPU, is
  // ordered before later work on the backend's stream).
  virtual void wait_all() = 0;
  virtual const char* name() const = 0;
};

// Non-blocking MPI_Iallreduce on host memory; the group must outlive it.
std::unique_ptr<GradientAllReduce> make_mpi_all_reduce(const Communicator& group);

// Whether this build has the NCCL backend (-DTRAWL_WITH_CUDA=ON).
bool nccl_available();
// An NCCL communicator for the group on GPU `device`, its id broadcast over
// the group's MPI communicator; reductions run on `stream` (a cudaStream_t,
// nullptr for the default stream). Throws Error in a build without CUDA.
std::unique_ptr<GradientAllReduce> make_nccl_all_reduce(const Communicator& group, int device, void* stream);

}  // namespace trawl
