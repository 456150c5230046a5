#include "core/error.hpp"

namespace trawl {

std::string SourcePos::str() const {
  if (!known()) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

InputError input_error_at(const SourcePos& pos, const std::string& message) {
  return InputError(pos.str() + ": " + message);
}

}  // namespace trawl
