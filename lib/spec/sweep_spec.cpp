#include "spec/sweep_spec.hpp"

#include <filesystem>

namespace trawl {

namespace fs = std::filesystem;

const Value& SweepSpec::value(const std::string& key) const {
  auto it = settings.find(key);
  if (it == settings.end()) throw Error("internal: sweep setting '" + key + "' is not known");
  return it->second.value;
}

const SourcePos& SweepSpec::pos(const std::string& key) const {
  auto it = settings.find(key);
  if (it == settings.end()) throw Error("internal: sweep setting '" + key + "' is not known");
  return it->second.pos;
}

const std::string& SweepSpec::string(const std::string& key) const {
  return std::get<std::string>(value(key));
}
std::int64_t SweepSpec::integer(const std::string& key) const {
  return std::get<std::int64_t>(value(key));
}
double SweepSpec::real(const std::string& key) const { return std::get<double>(value(key)); }
bool SweepSpec::boolean(const std::string& key) const { return std::get<bool>(value(key)); }

std::string SweepSpec::resolve_path(const std::string& p) const {
  if (p.empty()) return p;
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal().string();
  return (fs::path(base_dir) / path).lexically_normal().string();
}

std::string SweepSpec::results_dir() const { return resolve_path(string("sweep.dir")); }

std::vector<std::string> SweepSpec::axis_names() const {
  std::vector<std::string> names;
  for (const auto& dim : dimensions)
    for (const auto& axis : dim.axes) names.push_back(axis.key);
  return names;
}

const Axis* SweepSpec::find_axis(const std::string& key) const {
  for (const auto& dim : dimensions)
    for (const auto& axis : dim.axes)
      if (axis.key == key) return &axis;
  return nullptr;
}

}  // namespace trawl
