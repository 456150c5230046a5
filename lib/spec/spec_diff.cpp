#include "spec/spec_diff.hpp"

#include "core/hash.hpp"
#include "core/text.hpp"
#include "spec/spec_hash.hpp"

namespace trawl {

namespace {

std::string values_text(const std::vector<Value>& values) {
  std::vector<std::string> texts;
  for (const auto& v : values) texts.push_back(to_string(v));
  return join(texts, ", ");
}

std::string exclusions_text(const SweepSpec& spec) {
  std::vector<std::string> parts;
  for (const auto& e : spec.exclusions) {
    std::vector<std::string> match;
    for (const auto& [key, values] : e.match) match.push_back(key + "=" + values_text(values));
    parts.push_back("{" + join(match, " ") + "}");
  }
  return parts.empty() ? "none" : join(parts, " ");
}

std::string file_hash(const SweepSpec& spec, const std::string& key) {
  const std::string& file = spec.string(key);
  if (file.empty()) return "";
  try {
    return hash_files(spec.resolve_path(file));
  } catch (const Error&) {
    return "missing";
  }
}

}  // namespace

std::vector<std::string> spec_differences(const SweepSpec& before, const SweepSpec& now) {
  std::vector<std::string> out;
  for (const auto& [key, setting] : now.settings) {
    if (!affects_results(key)) continue;
    auto it = before.settings.find(key);
    const std::string old_text = it == before.settings.end() ? "(unset)" : to_string(it->second.value);
    if (it == before.settings.end() || !same_value(it->second.value, setting.value))
      out.push_back(key + ": " + old_text + " -> " + to_string(setting.value));
  }
  const auto integers = [](const std::vector<std::int64_t>& v) {
    return values_text(std::vector<Value>(v.begin(), v.end()));
  };
  if (before.seeds != now.seeds)
    out.push_back("sweep.seeds: " + integers(before.seeds) + " -> " + integers(now.seeds));
  if (before.infer_batch_sizes != now.infer_batch_sizes)
    out.push_back("infer.batch_sizes: " + integers(before.infer_batch_sizes) + " -> " +
                  integers(now.infer_batch_sizes));
  const std::string constraints_before = constraints_text(before.constraints);
  if (constraints_before != constraints_text(now.constraints))
    out.push_back("sweep.constraints: " + constraints_before + " -> " + constraints_text(now.constraints));
  if (before.lora_targets != now.lora_targets)
    out.push_back("model.lora.targets: " + join(before.lora_targets, ", ") + " -> " + join(now.lora_targets, ", "));
  if (before.prune_group_by != now.prune_group_by)
    out.push_back("prune.group_by: " + join(before.prune_group_by, ", ") + " -> " + join(now.prune_group_by, ", "));
  if (before.freeze != now.freeze)
    out.push_back("model.freeze: " + join(before.freeze, ", ") + " -> " + join(now.freeze, ", "));
  for (const auto& dim : now.dimensions)
    for (const auto& axis : dim.axes) {
      const Axis* old = before.find_axis(axis.key);
      if (!old) out.push_back("grid axis " + axis.key + " is new");
      else if (values_text(old->values) != values_text(axis.values))
        out.push_back("grid axis " + axis.key + ": " + values_text(old->values) + " -> " + values_text(axis.values));
    }
  for (const auto& name : before.axis_names())
    if (!now.find_axis(name)) out.push_back("grid axis " + name + " was removed");
  if (before.axis_names() == now.axis_names()) {
    std::vector<std::string> a, b;
    for (const auto& d : before.dimensions) a.push_back(d.name);
    for (const auto& d : now.dimensions) b.push_back(d.name);
    if (a != b) out.push_back("grid dimensions: " + join(a, ", ") + " -> " + join(b, ", "));
  }
  if (exclusions_text(before) != exclusions_text(now))
    out.push_back("exclusions: " + exclusions_text(before) + " -> " + exclusions_text(now));
  for (const char* key : {"data.path", "data.train_file", "data.val_file", "model.init", "model.path"})
    if (before.string(key) == now.string(key) && file_hash(before, key) != file_hash(now, key))
      out.push_back(std::string(key) + ": the contents of " + now.resolve_path(now.string(key)) + " changed");
  return out;
}

}  // namespace trawl
