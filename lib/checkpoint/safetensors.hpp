// lib/checkpoint: Hugging Face's safetensors format (an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the raw little-endian bytes). Files are memory-mapped and every
// header is checked before a byte of data is used; each error names the file
// and the tensor.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/train_state.hpp"
#include "core/mapped_file.hpp"

namespace trawl {

struct SafetensorsEntry {
  std::string dtype;  // "F32", "BF16", ...
  std::vector<std::int64_t> shape;
  std::size_t begin = 0, end = 0;  // byte range within the data section
};

class SafetensorsFile {
 public:
  // Throws InputError when the file is not a well-formed safetensors file.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return file_.path(); }
  std::vector<std::string> names() const;
  const SafetensorsEntry* find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The entry's raw bytes, in the mapping.
  std::string_view bytes(const SafetensorsEntry& entry) const;
  // The tensor converted to `dtype` on `device` (F32, F16 and BF16 files).
  torch::Tensor load(const std::string& name, torch::ScalarType dtype, torch::Device device) const;

 private:
  void parse_header();
  MappedFile file_;
  std::size_t data_start_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// A Hugging Face model directory's weights: model.safetensors, or the shards
// that model.safetensors.index.json's weight_map names.
class SafetensorsWeights {
 public:
  explicit SafetensorsWeights(const std::string& dir);

  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  std::vector<std::string> names() const;
  // Whether both tensors are there with the same dtype, shape and bytes.
  bool same_tensor(const std::string& a, const std::string& b) const;
  // Throws InputError naming the tensor and file when it is missing or its
  // shape is not `shape`.
  torch::Tensor load(const std::string& name, const std::vector<std::int64_t>& shape, torch::ScalarType dtype,
                     torch::Device device) const;

 private:
  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> where_;
};

// Writes `tensors` (F32, F16 or BF16; moved to the CPU) durably, with
// metadata {"format": "pt"} as transformers and PEFT expect.
void write_safetensors(const std::string& path, const NamedTensors& tensors);

}  // namespace trawl
