// lib/comm: RAII over MPI. Every call goes through TRAWL_MPI_CHECK, which
// throws MpiError naming the call, the file and line, and MPI's message.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace trawl {

class MpiError : public Error {
 public:
  using Error::Error;
};

void mpi_check(int code, const char* call, const char* file, int line);
#define TRAWL_MPI_CHECK(call) ::trawl::mpi_check((call), #call, __FILE__, __LINE__)

// The MPI library's own description of itself, first line ("Open MPI
// v5.0.7, ..."); callable before MPI starts.
std::string mpi_library_version();

// MPI_Init_thread on construction (MpiError when the library cannot give
// MPI_THREAD_FUNNELED), MPI_Finalize on destruction; errors on
// MPI_COMM_WORLD are returned (and so checked) instead of aborting.
class MpiEnvironment {
 public:
  MpiEnvironment(int* argc, char*** argv);
  ~MpiEnvironment();
  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
};

// One communicator; frees it on destruction unless it is MPI_COMM_WORLD.
class Communicator {
 public:
  static Communicator world();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

  int rank() const;
  int size() const;
  MPI_Comm get() const { return comm_; }

  Communicator split(int color, int key) const;
  Communicator split_shared_memory() const;  // the ranks of this node
  void barrier() const;
  void broadcast(void* data, int count, MPI_Datatype type, int root) const;
  void all_reduce(const void* in, void* out, int count, MPI_Datatype type, MPI_Op op) const;
  std::int64_t sum(std::int64_t value) const;
  // Every rank's values, concatenated in rank order, on every rank.
  std::vector<float> all_gather(const std::vector<float>& mine) const;
  std::vector<std::int64_t> all_gather(const std::vector<std::int64_t>& mine) const;
  std::int64_t exclusive_prefix_sum(std::int64_t value) const;  // 0 on rank 0
  // Aborts every rank of the job: the CLI's last resort when one rank failed
  // alone and the others would wait for it forever.
  [[noreturn]] void abort(int code) const;

 private:
  explicit Communicator(MPI_Comm comm) : comm_(comm) {}
  MPI_Comm comm_ = MPI_COMM_NULL;
};

}  // namespace trawl
