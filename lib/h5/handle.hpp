// lib/h5: RAII over HDF5 identifiers, and call checking.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>

#include "core/error.hpp"

namespace trawl::h5 {

class H5Error : public Error {
 public:
  using Error::Error;
};

// Throws H5Error "<what>: <HDF5's innermost message>" when status < 0.
herr_t check(herr_t status, const std::string& what);
hid_t check_id(hid_t id, const std::string& what);

// One HDF5 identifier, closed by Close. Copying is deleted; moving transfers.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, const std::string& what) : id_(check_id(id, what)) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  hid_t get() const { return id_; }
  // Gives up ownership, for a close whose result the caller checks.
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  void reset() {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using PropertyList = Handle<H5Pclose>;
using Attribute = Handle<H5Aclose>;
using Object = Handle<H5Oclose>;

// File access without HDF5's flock-based locking (it fails on NFS and
// Lustre; trawl serialises writers with its own fcntl lock instead).
PropertyList file_access_without_locking();
File open_file(const std::string& path, unsigned flags);
File create_file(const std::string& path);  // fails if it exists

bool exists(hid_t location, const std::string& path);  // every part of a/b/c
// Whether the object at path (which must exist) is a dataset, not a group
// or a named datatype.
bool is_dataset(hid_t location, const std::string& path);

// "1.14.5": the HDF5 library this process runs with.
std::string library_version();

// The calls whose signature changed between HDF5 1.10 and 1.12/1.14 are
// wrapped here (is_dataset above, too) and nowhere else: trawl builds
// against both (Debian 12 ships 1.10.8, Debian 13 1.14.5) without relying on
// the library's API-version default.
herr_t reclaim_variable_length(hid_t type, hid_t space, void* buffer);

}  // namespace trawl::h5
