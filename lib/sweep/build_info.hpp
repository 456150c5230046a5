// lib/sweep: what this build of trawl runs on, for `trawl --version` and
// bug reports: the libtorch it compiled against and its attention path,
// and the HDF5 and MPI libraries it runs with.
#pragma once

#include <string>

namespace trawl {

// "libtorch 2.6.0 (attention: scaled_dot_product_attention), HDF5 1.14.5, Open MPI v5.0.7"
std::string build_description();

}  // namespace trawl
