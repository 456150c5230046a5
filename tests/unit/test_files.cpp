#include "test_files.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "h5/io.hpp"
#include "spec/parse.hpp"

namespace trawl::test {

std::string scratch_dir(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::current_path() / "scratch" / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string write_classification_data(const std::string& path, int rows, int features, int classes) {
  h5::File file = h5::create_file(path);
  for (const char* split : {"train", "val"}) {
    std::vector<float> x(static_cast<std::size_t>(rows * features));
    std::vector<std::int64_t> y(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) {
      y[r] = r % classes;
      for (int f = 0; f < features; ++f)
        x[static_cast<std::size_t>(r * features + f)] =
            static_cast<float>(std::sin(0.7 * r + 1.3 * f) + (f == y[r] % features ? 1.5 : 0.0));
    }
    hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(features)};
    h5::Dataspace xs(H5Screate_simple(2, dims, nullptr), "space");
    h5::PropertyList lcpl(H5Pcreate(H5P_LINK_CREATE), "lcpl");
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    h5::Dataset xd(H5Dcreate2(file.get(), (std::string(split) + "/x").c_str(), H5T_IEEE_F32LE, xs.get(), lcpl.get(),
                              H5P_DEFAULT, H5P_DEFAULT), "x");
    h5::check(H5Dwrite(xd.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x.data()), "write x");
    h5::Dataset yd = h5::create_column(file.get(), std::string(split) + "/y", H5T_STD_I64LE,
                                       static_cast<hsize_t>(rows), nullptr);
    h5::write_rows(yd, H5T_NATIVE_INT64, 0, static_cast<hsize_t>(rows), y.data());
  }
  return path;
}

SweepSpec parse(const std::string& toml, const std::string& dir) {
  return parse_sweep_text(toml, "sweep.toml", dir);
}

std::string parse_error(const std::string& toml) {
  try {
    parse(toml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace trawl::test
