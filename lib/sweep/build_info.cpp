#include "sweep/build_info.hpp"

#include "comm/mpi.hpp"
#include "h5/handle.hpp"
#include "train/torch_info.hpp"

namespace trawl {

std::string build_description() {
  return "libtorch " + torch_version() + " (attention: " + attention_path() + "), HDF5 " + h5::library_version() +
         ", " + mpi_library_version();
}

}  // namespace trawl
