// Catch2 under MPI: every rank runs every test; MPI is started once around
// the session. ctest runs this under `mpirun -np 2`.
#define CATCH_CONFIG_RUNNER
#include "catch_support.hpp"

#include <iostream>

#include "comm/mpi.hpp"

int main(int argc, char** argv) {
  try {
    trawl::MpiEnvironment mpi(&argc, &argv);
    return Catch::Session().run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "cannot start MPI: " << e.what() << "\n";
    return 1;
  }
}
