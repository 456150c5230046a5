#include "spec/spec_hash.hpp"

#include <algorithm>
#include <set>

#include "core/hash.hpp"
#include "spec/schema.hpp"

namespace trawl {

bool affects_results(const std::string& key) {
  const KeySpec* spec = find_key(key);
  return !spec || spec->affects_results;
}

namespace {

void add_value(StableHash& hash, const Value& value) {
  hash.add_field(type_name(type_of(value)));
  hash.add_field(to_string(value));
}

// Keys added after 0.2 count only when set to something else than their
// default, so that a sweep written before them keeps its hash (and resumes).
bool added_and_default(const std::string& key, const Value& value) {
  const KeySpec* spec = find_key(key);
  return spec && spec->added_in != "0.2" && spec->default_value && same_value(*spec->default_value, value);
}

void add_settings(StableHash& hash, const SweepSpec& spec) {
  hash.add_field("trawl-spec-2");
  for (const auto& [key, setting] : spec.settings) {
    if (!affects_results(key) || added_and_default(key, setting.value)) continue;
    hash.add_field(key);
    add_value(hash, setting.value);
  }
  hash.add_field("freeze");
  for (const auto& pattern : spec.freeze) hash.add_field(pattern);
  // Added in 0.3: only a sweep that sets targets hashes them, so older sweeps keep their hash.
  if (!spec.lora_targets.empty()) {
    hash.add_field("lora.targets");
    for (const auto& target : spec.lora_targets) hash.add_field(target);
  }
  if (!spec.constraints.empty()) {
    hash.add_field("sweep.constraints");
    for (const auto& c : spec.constraints) hash.add_field(c.text());
  }
  if (!spec.infer_batch_sizes.empty()) {
    hash.add_field("infer.batch_sizes");
    for (const auto size : spec.infer_batch_sizes) hash.add_field(std::to_string(size));
  }
  if (!spec.prune_group_by.empty()) {
    hash.add_field("prune.group_by");
    for (const auto& axis : spec.prune_group_by) hash.add_field(axis);
  }
}

}  // namespace

std::vector<InputFile> input_files(const SweepSpec& spec) {
  std::vector<InputFile> files;
  std::set<std::string> seen;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    std::string path = spec.resolve_path(value);
    if (seen.insert(path).second) files.push_back(InputFile{key, path, hash_files(path)});
  };
  for (const char* key : {"data.path", "data.train_file", "data.val_file", "data.tokenizer", "data.chat_template",
                          "model.init", "model.path"})
    add(key, spec.string(key));
  if (const Axis* axis = spec.find_axis("model.init"))
    for (const auto& value : axis->values) add("model.init", std::get<std::string>(value));
  return files;
}

std::string settings_hash(const SweepSpec& spec) {
  StableHash hash;
  add_settings(hash, spec);
  // In the order of their paths, as trawl 0.2 hashed them (hashes stay as they were).
  std::vector<InputFile> files = input_files(spec);
  std::sort(files.begin(), files.end(), [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  for (const auto& file : files) {
    hash.add_field("file");
    hash.add_field(file.hash);
  }
  return hash.hex();
}

std::string spec_hash(const SweepSpec& spec) {
  StableHash hash;
  hash.add_field(settings_hash(spec));
  hash.add_field("seeds");
  for (auto seed : spec.seeds) hash.add_field(std::to_string(seed));
  for (const auto& dim : spec.dimensions) {
    hash.add_field("dimension");
    hash.add_field(dim.name);
    for (const auto& axis : dim.axes) {
      hash.add_field(axis.key);
      for (const auto& value : axis.values) add_value(hash, value);
    }
  }
  for (const auto& exclusion : spec.exclusions) {
    hash.add_field("exclude");
    for (const auto& [key, values] : exclusion.match) {
      hash.add_field(key);
      for (const auto& value : values) add_value(hash, value);
    }
  }
  return hash.hex();
}

}  // namespace trawl
