// lib/comm: RAII over MPI. Every call goes through TRAWL_MPI_CHECK, which
// throws MpiError naming the call, the file and line, and MPI's message.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <type_traits>
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

// The MPI type of one value (the fields a typed collective reduces).
template <class Field>
MPI_Datatype mpi_type_of() {
  if constexpr (std::is_same_v<Field, double>) return MPI_DOUBLE;
  else if constexpr (std::is_same_v<Field, std::int64_t>) return MPI_INT64_T;
  else if constexpr (std::is_same_v<Field, int>) return MPI_INT;
  else static_assert(sizeof(Field) == 0, "no MPI type for this field type");
}

// What a typed all-reduce combines member by member: an arithmetic value, an
// enum's underlying value (so MPI_MAX of an ordered enum is the most urgent),
// or a struct whose members are all of its declared `Field` type.
template <class T>
auto reduced_field() {
  if constexpr (std::is_enum_v<T>) return std::underlying_type_t<T>{};
  else if constexpr (std::is_arithmetic_v<T>) return T{};
  else return typename T::Field{};
}

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

  // Typed collectives: a struct crosses as itself, never as a positional
  // array of its fields. Every rank runs the same binary, so the bytes of a
  // trivially copyable value mean the same on each.
  template <class T>
  void broadcast(T& value, int root) const {
    static_assert(std::is_trivially_copyable_v<T>, "broadcast<T> sends T's bytes");
    broadcast(&value, static_cast<int>(sizeof(T)), MPI_BYTE, root);
  }
  // `op` (MPI_SUM, MPI_MAX, ...) over every rank's value, member by member.
  template <class T>
  T all_reduce(const T& value, MPI_Op op) const {
    using Field = decltype(reduced_field<T>());
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(Field) == 0,
                  "all_reduce<T> needs T made of Field members only");
    T result = value;
    all_reduce(&value, &result, static_cast<int>(sizeof(T) / sizeof(Field)), mpi_type_of<Field>(), op);
    return result;
  }
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
