#include "checkpoint/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>
#include <nlohmann/json.hpp>

#include "core/arith.hpp"
#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

using Json = nlohmann::json;

// The official implementation refuses headers past 100 MB.
constexpr std::uint64_t max_header_bytes = 100'000'000;

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  std::size_t bytes;
};

constexpr DtypeInfo dtypes[] = {
    {"F32", torch::kFloat, 4}, {"F16", torch::kHalf, 2}, {"BF16", torch::kBFloat16, 2},
    {"F64", torch::kDouble, 8}, {"I64", torch::kLong, 8}, {"I32", torch::kInt, 4},
    {"I16", torch::kShort, 2}, {"I8", torch::kChar, 1}, {"U8", torch::kByte, 1}, {"BOOL", torch::kBool, 1},
};

const DtypeInfo* dtype_by_name(const std::string& name) {
  for (const auto& d : dtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const DtypeInfo* dtype_by_type(torch::ScalarType type) {
  for (const auto& d : dtypes)
    if (type == d.type) return &d;
  return nullptr;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::vector<std::string> dims;
  for (auto d : shape) dims.push_back(std::to_string(d));
  return "[" + join(dims, ", ") + "]";
}

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

SafetensorsEntry parse_entry(const Json& j, const std::function<void(const std::string&)>& fail) {
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets"))
    fail("needs dtype, shape and data_offsets");
  SafetensorsEntry e;
  if (!j["dtype"].is_string() || !dtype_by_name(j["dtype"].get<std::string>()))
    fail("has dtype " + j["dtype"].dump() + ", which trawl does not read");
  e.dtype = j["dtype"].get<std::string>();
  const Json& shape = j["shape"];
  const Json& offsets = j["data_offsets"];
  if (!shape.is_array()) fail("has a shape that is not a list");
  for (const Json& d : shape) {
    if (!d.is_number_unsigned()) fail("has a shape that is not a list of non-negative integers");
    if (d.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail("has a dimension of " + std::to_string(d.get<std::uint64_t>()) + ", more than any tensor can hold");
    e.shape.push_back(d.get<std::int64_t>());
  }
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    fail("has data_offsets that are not [begin, end]");
  e.begin = offsets[0].get<std::size_t>();
  e.end = offsets[1].get<std::size_t>();
  if (e.end < e.begin) fail("has data_offsets that end before they begin");
  std::optional<std::size_t> bytes = dtype_by_name(e.dtype)->bytes;
  for (auto d : e.shape)
    if (bytes) bytes = checked_mul(*bytes, static_cast<std::size_t>(d));
  if (!bytes) fail("is " + e.dtype + " " + shape_text(e.shape) + ", more bytes than 2^64");
  if (*bytes != e.end - e.begin)
    fail("is " + e.dtype + " " + shape_text(e.shape) + " (" + std::to_string(*bytes) + " bytes) but data_offsets span " +
         std::to_string(e.end - e.begin) + " bytes");
  return e;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(path, "safetensors file") { parse_header(); }

void SafetensorsFile::parse_header() {
  auto fail = [&](const std::string& why) { throw InputError(path() + ": not a valid safetensors file: " + why); };
  if (file_.size() < 8) fail("shorter than its 8-byte header length");
  const std::uint64_t header_bytes = read_u64_le(file_.data());
  if (header_bytes > file_.size() - 8)
    fail("header length " + std::to_string(header_bytes) + " runs past the end of the file (" +
         std::to_string(file_.size()) + " bytes; truncated?)");
  if (header_bytes > max_header_bytes) fail("header length " + std::to_string(header_bytes) + " is over 100 MB");
  data_start_ = 8 + header_bytes;
  Json header;
  try {
    header = Json::parse(file_.data() + 8, file_.data() + data_start_);
  } catch (const Json::parse_error& e) {
    fail(std::string("header is not JSON: ") + e.what());
  }
  if (!header.is_object()) fail("header is not a JSON object");
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      for (auto m = it->begin(); it->is_object() && m != it->end(); ++m)
        if (m->is_string()) metadata_[m.key()] = m->get<std::string>();
      continue;
    }
    entries_[it.key()] = parse_entry(*it, [&](const std::string& why) { fail("tensor '" + it.key() + "' " + why); });
  }
  // Byte ranges must tile the data section: no overlap, no gap, nothing past the end.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> order;
  for (const auto& [name, e] : entries_) order.emplace_back(&name, &e);
  std::sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.second->begin < b.second->begin; });
  std::size_t at = 0;
  for (const auto& [name, e] : order) {
    if (e->begin < at) fail("tensor '" + *name + "' overlaps the tensor before it (data_offsets begin at " +
                            std::to_string(e->begin) + ", the previous one ends at " + std::to_string(at) + ")");
    if (e->begin > at) fail("tensor '" + *name + "' leaves a gap before it at byte " + std::to_string(at));
    at = e->end;
  }
  const std::size_t data_bytes = file_.size() - data_start_;
  if (at != data_bytes)
    fail("the tensors' data_offsets end at byte " + std::to_string(at) + " but the data section has " +
         std::to_string(data_bytes) + " bytes" + (at > data_bytes ? " (truncated?)" : ""));
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string_view SafetensorsFile::bytes(const SafetensorsEntry& entry) const {
  return {reinterpret_cast<const char*>(file_.data()) + data_start_ + entry.begin, entry.end - entry.begin};
}

torch::Tensor SafetensorsFile::load(const std::string& name, torch::ScalarType dtype, torch::Device device) const {
  const SafetensorsEntry* e = find(name);
  if (!e) throw InputError("no tensor '" + name + "'", tensor_in(path(), name));
  const DtypeInfo* from = dtype_by_name(e->dtype);
  if (!at::isFloatingType(from->type) && dtype != from->type)
    throw InputError("tensor '" + name + "' is " + e->dtype + "; a floating-point tensor is needed",
                     tensor_in(path(), name));
  // Copied out of the mapping: data offsets need not be aligned for the dtype.
  torch::Tensor t = torch::empty(e->shape, torch::TensorOptions().dtype(from->type));
  if (e->end > e->begin) std::memcpy(t.data_ptr(), file_.data() + data_start_ + e->begin, e->end - e->begin);
  return t.to(device, dtype);
}

SafetensorsWeights::SafetensorsWeights(const std::string& dir) : dir_(dir) {
  namespace fs = std::filesystem;
  const fs::path single = fs::path(dir) / "model.safetensors", index = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(single)) {
    files_.push_back(std::make_unique<SafetensorsFile>(single.string()));
    for (const auto& name : files_.back()->names()) where_[name] = files_.back().get();
    return;
  }
  if (!fs::exists(index))
    throw InputError("model.path '" + dir + "' has neither model.safetensors nor model.safetensors.index.json",
                     "model.path");
  Json j;
  try {
    j = Json::parse(read_text_file(index.string(), "the safetensors index"));
  } catch (const Json::exception& e) {
    throw InputError(index.string() + ": not valid JSON: " + e.what());
  }
  if (!j.contains("weight_map") || !j["weight_map"].is_object())
    throw InputError(index.string() + ": has no weight_map object");
  std::map<std::string, const SafetensorsFile*> opened;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it->is_string()) throw InputError(index.string() + ": weight_map['" + it.key() + "'] is not a file name");
    const std::string shard = it->get<std::string>();
    if (shard.find('/') != std::string::npos)
      throw InputError(index.string() + ": weight_map['" + it.key() + "'] names '" + shard + "' outside " + dir);
    if (!opened.count(shard)) {
      files_.push_back(std::make_unique<SafetensorsFile>((fs::path(dir) / shard).string()));
      opened[shard] = files_.back().get();
    }
    if (!opened[shard]->find(it.key()))
      throw InputError("weight_map puts tensor '" + it.key() + "' in " + shard + ", which does not hold it",
                       tensor_in(index.string(), it.key(), "model.path"));
    where_[it.key()] = opened[shard];
  }
}

std::vector<std::string> SafetensorsWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : where_) out.push_back(name);
  return out;
}

bool SafetensorsWeights::same_tensor(const std::string& a, const std::string& b) const {
  const auto in_a = where_.find(a), in_b = where_.find(b);
  if (in_a == where_.end() || in_b == where_.end()) return false;
  const SafetensorsEntry *x = in_a->second->find(a), *y = in_b->second->find(b);
  return x->dtype == y->dtype && x->shape == y->shape && in_a->second->bytes(*x) == in_b->second->bytes(*y);
}

torch::Tensor SafetensorsWeights::load(const std::string& name, const std::vector<std::int64_t>& shape,
                                       torch::ScalarType dtype, torch::Device device) const {
  auto it = where_.find(name);
  if (it == where_.end())
    throw InputError("model.path '" + dir_ + "': the weights have no tensor '" + name + "'",
                     tensor_in("", name, "model.path"));
  const SafetensorsEntry* e = it->second->find(name);
  if (e->shape != shape)
    throw InputError("tensor '" + name + "' is " + shape_text(e->shape) + " but config.json makes it " +
                         shape_text(shape),
                     tensor_in(it->second->path(), name, "model.path"));
  if (device.is_meta()) return torch::empty(shape, torch::TensorOptions().dtype(dtype).device(device));
  return it->second->load(name, dtype, device);
}

void write_safetensors(const std::string& path, const NamedTensors& tensors) {
  Json header = Json::object();
  header["__metadata__"] = {{"format", "pt"}};
  std::vector<torch::Tensor> cpu;
  std::size_t at = 0;
  for (const auto& [name, tensor] : tensors) {
    const DtypeInfo* d = dtype_by_type(tensor.scalar_type());
    if (!d) throw Error("cannot write tensor '" + name + "' of type " + std::string(c10::toString(tensor.scalar_type())));
    cpu.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const std::size_t bytes = cpu.back().numel() * d->bytes;
    header[name] = {{"dtype", d->name}, {"shape", tensor.sizes().vec()}, {"data_offsets", {at, at + bytes}}};
    at += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
  bytes += text;
  bytes.reserve(bytes.size() + at);
  // Offsets were given in the tensors' order; the JSON's key order does not matter.
  for (const torch::Tensor& t : cpu) bytes.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  write_file_durably(path, bytes);
}

}  // namespace trawl
