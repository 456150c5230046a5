#include "comm/mpi.hpp"

#include <cstdint>
#include <cstdlib>
#include <utility>

namespace trawl {

void mpi_check(int code, const char* call, const char* file, int line) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw MpiError(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                 std::string(text, static_cast<std::size_t>(length)));
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  TRAWL_MPI_CHECK(MPI_Get_library_version(text, &length));
  std::string version(text, static_cast<std::size_t>(length));
  std::size_t end = version.find_first_of(",\n");
  return version.substr(0, end == std::string::npos ? version.size() : end);
}

MpiEnvironment::MpiEnvironment(int* argc, char*** argv) {
  int provided = 0;
  TRAWL_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // libtorch's threads never call MPI, but the main thread must be allowed to
  // while they run: FUNNELED at least.
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw MpiError("the MPI library gives thread level " + std::to_string(provided) +
                   "; trawl needs MPI_THREAD_FUNNELED (" + std::to_string(MPI_THREAD_FUNNELED) +
                   ") or higher: use an MPI built with thread support");
  }
  TRAWL_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
}

MpiEnvironment::~MpiEnvironment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Communicator Communicator::world() { return Communicator(MPI_COMM_WORLD); }

Communicator::Communicator(Communicator&& other) noexcept : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    this->~Communicator();
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
  }
  return *this;
}

Communicator::~Communicator() {
  if (comm_ != MPI_COMM_NULL && comm_ != MPI_COMM_WORLD) MPI_Comm_free(&comm_);
}

int Communicator::rank() const {
  int rank = 0;
  TRAWL_MPI_CHECK(MPI_Comm_rank(comm_, &rank));
  return rank;
}

int Communicator::size() const {
  int size = 0;
  TRAWL_MPI_CHECK(MPI_Comm_size(comm_, &size));
  return size;
}

Communicator Communicator::split(int color, int key) const {
  MPI_Comm out = MPI_COMM_NULL;
  TRAWL_MPI_CHECK(MPI_Comm_split(comm_, color, key, &out));
  TRAWL_MPI_CHECK(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN));
  return Communicator(out);
}

Communicator Communicator::split_shared_memory() const {
  MPI_Comm out = MPI_COMM_NULL;
  TRAWL_MPI_CHECK(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank(), MPI_INFO_NULL, &out));
  TRAWL_MPI_CHECK(MPI_Comm_set_errhandler(out, MPI_ERRORS_RETURN));
  return Communicator(out);
}

void Communicator::barrier() const { TRAWL_MPI_CHECK(MPI_Barrier(comm_)); }

void Communicator::broadcast(void* data, int count, MPI_Datatype type, int root) const {
  TRAWL_MPI_CHECK(MPI_Bcast(data, count, type, root, comm_));
}

void Communicator::all_reduce(const void* in, void* out, int count, MPI_Datatype type, MPI_Op op) const {
  TRAWL_MPI_CHECK(MPI_Allreduce(in == out ? MPI_IN_PLACE : in, out, count, type, op, comm_));
}

std::int64_t Communicator::sum(std::int64_t value) const {
  std::int64_t total = 0;
  all_reduce(&value, &total, 1, MPI_INT64_T, MPI_SUM);
  return total;
}

namespace {

template <typename T>
std::vector<T> gather_all(const Communicator& comm, const std::vector<T>& mine, MPI_Datatype type) {
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(comm.size())), offsets(counts.size(), 0);
  TRAWL_MPI_CHECK(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm.get()));
  for (std::size_t i = 1; i < counts.size(); ++i) offsets[i] = offsets[i - 1] + counts[i - 1];
  std::vector<T> all(static_cast<std::size_t>(offsets.back() + counts.back()));
  TRAWL_MPI_CHECK(MPI_Allgatherv(mine.data(), count, type, all.data(), counts.data(), offsets.data(), type,
                                 comm.get()));
  return all;
}

}  // namespace

std::vector<float> Communicator::all_gather(const std::vector<float>& mine) const {
  return gather_all(*this, mine, MPI_FLOAT);
}

std::vector<std::int64_t> Communicator::all_gather(const std::vector<std::int64_t>& mine) const {
  return gather_all(*this, mine, MPI_INT64_T);
}

std::int64_t Communicator::exclusive_prefix_sum(std::int64_t value) const {
  std::int64_t before = 0;
  TRAWL_MPI_CHECK(MPI_Exscan(&value, &before, 1, MPI_INT64_T, MPI_SUM, comm_));
  return rank() == 0 ? 0 : before;  // MPI leaves rank 0's result undefined
}

void Communicator::abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();
}

}  // namespace trawl
