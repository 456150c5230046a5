// The shape of a results file checked once when a command opens it: every
// column's datatype one trawl writes, every /trials column one row per trial,
// every /curves table one row per trial, the /events columns of one length,
// and grid_size a size trawl makes. A file edited or damaged there would
// otherwise be read past its end, or crash inside HDF5, in one command and
// pass in another; every command now says "damaged: run trawl repair".
#include <hdf5.h>

#include <string>
#include <vector>

#include "grid/grid.hpp"
#include "h5/io.hpp"
#include "store/layout.hpp"

namespace trawl {

namespace {

// float64 and int64 little-endian, int8 enums (status, bools), variable-length strings.
bool written_by_trawl(hid_t type) {
  if (H5Tequal(type, H5T_IEEE_F64LE) > 0 || H5Tequal(type, H5T_STD_I64LE) > 0) return true;
  switch (H5Tget_class(type)) {
    case H5T_ENUM: {
      h5::Datatype base(H5Tget_super(type), "enum base type");
      return H5Tequal(base.get(), H5T_STD_I8LE) > 0;
    }
    case H5T_STRING: return H5Tis_variable_str(type) > 0;
    default: return false;
  }
}

herr_t collect_dataset(hid_t group, const char* name, const H5L_info_t*, void* out) {
  if (h5::is_dataset(group, name)) static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

// Every dataset below `group`, by its path from there.
std::vector<std::string> datasets_under(hid_t file, const std::string& group) {
  std::vector<std::string> names;
  if (!h5::exists(file, group)) return names;
  h5::Group g(H5Gopen2(file, group.c_str(), H5P_DEFAULT), "open group " + group);
  h5::check(H5Lvisit(g.get(), H5_INDEX_NAME, H5_ITER_NATIVE, collect_dataset, &names), "list " + group);
  return names;
}

// The dataset's shape, after checking its datatype.
std::vector<hsize_t> checked_shape(hid_t file, const std::string& name, const std::string& path) {
  h5::Dataset dataset = h5::open_dataset(file, name);
  h5::Datatype type = h5::file_type(dataset);
  if (!written_by_trawl(type.get()))
    throw_damaged(path, name + " has a datatype trawl does not write (float64, int64, int8 enum or string)");
  return h5::shape(dataset);
}

std::string rows_text(const std::vector<hsize_t>& shape) {
  std::string text;
  for (hsize_t d : shape) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return "[" + text + "]";
}

}  // namespace

void check_layout(hid_t file, const std::string& path) {
  const std::int64_t trials = h5::read_integer_attribute(file, "grid_size");
  if (trials < 1 || trials > Grid::max_trials)
    throw_damaged(path, "its grid_size attribute is " + std::to_string(trials) + ", and a sweep has 1 to " +
                            std::to_string(Grid::max_trials) + " trials");
  const auto rows = static_cast<hsize_t>(trials);
  for (const std::string& name : datasets_under(file, "trials")) {
    const auto shape = checked_shape(file, "trials/" + name, path);
    if (shape.size() != 1 || shape[0] != rows)
      throw_damaged(path, "trials/" + name + " is " + rows_text(shape) + ", not one row per trial (" +
                              std::to_string(rows) + ")");
  }
  for (const std::string& name : datasets_under(file, "curves")) {
    const auto shape = checked_shape(file, "curves/" + name, path);
    if (shape.size() != 2 || shape[0] != rows)
      throw_damaged(path, "curves/" + name + " is " + rows_text(shape) + ", not one row per trial (" +
                              std::to_string(rows) + ")");
  }
  std::vector<hsize_t> first;
  for (const char* name : {"events/time", "events/trial", "events/kind", "events/message"}) {
    const auto shape = checked_shape(file, name, path);
    if (first.empty()) first = shape;
    if (shape.size() != 1 || shape != first)
      throw_damaged(path, std::string(name) + " is " + rows_text(shape) + " but events/time is " + rows_text(first));
  }
}

}  // namespace trawl
