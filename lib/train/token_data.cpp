#include "train/token_data.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "core/file_glob.hpp"
#include "h5/io.hpp"

namespace trawl {

namespace {

constexpr std::int64_t header_ints = 256;
constexpr std::int32_t magic_uint16 = 20240520, magic_uint32 = 20240801;
constexpr std::int64_t scan_chunk = 1 << 24;  // tokens converted at a time when scanning

}  // namespace

TokenShard::TokenShard(const std::string& path) : file_(std::make_shared<MappedFile>(path, "token shard")) {
  auto fail = [&](const std::string& why) { throw InputError(path + ": not an llm.c token shard: " + why); };
  const std::size_t header_bytes = header_ints * sizeof(std::int32_t);
  if (file_->size() < header_bytes)
    fail("it has " + std::to_string(file_->size()) + " bytes, fewer than the 1024-byte header");
  std::int32_t header[3];
  std::memcpy(header, file_->data(), sizeof header);
  if (header[0] != magic_uint16 && header[0] != magic_uint32)
    fail("header[0] is " + std::to_string(header[0]) + ", not the magic 20240520 (uint16 tokens) or 20240801 "
         "(uint32 tokens)");
  token_bytes_ = header[0] == magic_uint16 ? 2 : 4;
  tokens_ = header[2];
  if (tokens_ < 0) fail("header[2] (the token count) is negative");
  const std::size_t expected = header_bytes + static_cast<std::size_t>(tokens_) * token_bytes_;
  if (file_->size() < expected)
    fail("header[2] says " + std::to_string(tokens_) + " tokens (" + std::to_string(expected) +
         " bytes in all) but the file has " + std::to_string(file_->size()) + " bytes (truncated?)");
  if (file_->size() > expected)
    fail("it has " + std::to_string(file_->size() - expected) + " bytes after the " + std::to_string(tokens_) +
         " tokens its header announces");
}

torch::Tensor TokenShard::read(std::int64_t first, std::int64_t count) const {
  const std::uint8_t* at = file_->data() + header_ints * 4 + first * token_bytes_;
  // Copied out of the mapping first (no alignment assumed), then widened:
  // unsigned tokens go through the signed type of their width and a mask.
  torch::Tensor raw = torch::empty({count}, token_bytes_ == 2 ? torch::kShort : torch::kInt);
  std::memcpy(raw.data_ptr(), at, static_cast<std::size_t>(count) * token_bytes_);
  return raw.to(torch::kLong).bitwise_and(static_cast<std::int64_t>(token_bytes_ == 2 ? 0xFFFF : 0xFFFFFFFF));
}

void TokenShard::check_vocabulary(std::int64_t vocab) const {
  for (std::int64_t first = 0; first < tokens_; first += scan_chunk) {
    torch::Tensor chunk = read(first, std::min(scan_chunk, tokens_ - first));
    torch::Tensor bad = chunk.ge(vocab).nonzero();
    if (bad.numel() == 0) continue;
    const std::int64_t at = bad[0][0].item<std::int64_t>();
    throw InputError(path() + ": token " + std::to_string(first + at) + " is id " +
                     std::to_string(chunk[at].item<std::int64_t>()) + ", outside the model's vocabulary (vocab_size " +
                     std::to_string(vocab) + ")");
  }
}

std::vector<TokenShard> open_token_shards(const std::string& pattern, const std::string& key) {
  std::vector<TokenShard> shards;
  try {
    for (const auto& path : expand_glob(pattern)) shards.emplace_back(path);
  } catch (const InputError& e) {
    throw InputError(key + ": " + e.what(), key);
  }
  return shards;
}

TokenWindows::TokenWindows(const std::vector<TokenShard>& shards, std::int64_t seq_len)
    : shards_(shards), seq_len_(seq_len), prefix_{0} {
  for (const auto& shard : shards) prefix_.push_back(prefix_.back() + std::max<std::int64_t>(0, shard.tokens() - 1) / seq_len);
}

std::pair<torch::Tensor, torch::Tensor> TokenWindows::read(const torch::Tensor& examples) const {
  torch::Tensor indices = examples.to(torch::kCPU, torch::kLong).contiguous();
  const std::int64_t n = indices.numel();
  torch::Tensor windows = torch::empty({n, seq_len_ + 1}, torch::kLong);
  const std::int64_t* w = indices.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto shard = std::upper_bound(prefix_.begin(), prefix_.end(), w[i]) - prefix_.begin() - 1;
    const std::int64_t local = w[i] - prefix_[static_cast<std::size_t>(shard)];
    windows[i].copy_(shards_[static_cast<std::size_t>(shard)].read(local * seq_len_, seq_len_ + 1));
  }
  return {windows.narrow(1, 0, seq_len_), windows.narrow(1, 1, seq_len_)};
}

namespace {

torch::Tensor read_ids(hid_t file, const std::string& path, const std::string& name) {
  if (!h5::exists(file, name)) throw InputError("data.path: " + path + " has no dataset '" + name + "'");
  h5::Dataset d = h5::open_dataset(file, name);
  const std::vector<hsize_t> dims = h5::shape(d);
  if (dims.size() != 2 || dims[0] == 0 || dims[1] < 2)
    throw InputError("data.path: " + path + ": '" + name + "' must be int32 [rows, T] with rows >= 1 and T >= 2");
  if (H5Tget_class(h5::file_type(d).get()) != H5T_INTEGER)
    throw InputError("data.path: " + path + ": '" + name + "' must hold integers (int32 token ids)");
  torch::Tensor t = torch::empty({static_cast<std::int64_t>(dims[0]), static_cast<std::int64_t>(dims[1])}, torch::kLong);
  h5::read_all(d, H5T_NATIVE_INT64, t.data_ptr());
  return t;
}

}  // namespace

torch::Tensor next_token_targets(const torch::Tensor& labels) {
  // Position t predicts label t + 1, as Hugging Face's loss shifts them.
  return torch::cat({labels.narrow(1, 1, labels.size(1) - 1),
                     torch::full({labels.size(0), 1}, ignored_label, torch::kLong)}, 1);
}

SftSplit read_sft_split(const std::string& path, const std::string& split) {
  h5::File file = h5::open_file(path, H5F_ACC_RDONLY);
  torch::Tensor ids = read_ids(file.get(), path, split + "/input_ids");
  torch::Tensor labels = read_ids(file.get(), path, split + "/labels");
  if (ids.sizes() != labels.sizes())
    throw InputError("data.path: " + path + ": '" + split + "/labels' is [" + std::to_string(labels.size(0)) + ", " +
                     std::to_string(labels.size(1)) + "] but '" + split + "/input_ids' is [" +
                     std::to_string(ids.size(0)) + ", " + std::to_string(ids.size(1)) + "]");
  torch::Tensor targets = next_token_targets(labels);
  if (targets.ne(ignored_label).sum().item<std::int64_t>() == 0)
    throw InputError("data.path: " + path + ": '" + split + "/labels' has no trained token (all are -100)");
  return SftSplit{ids, targets};
}

void check_sft_vocabulary(const SftSplit& data, const std::string& path, const std::string& split,
                          std::int64_t vocab) {
  auto first_bad = [&](const torch::Tensor& bad, const std::string& name, const torch::Tensor& values,
                       std::int64_t column_shift) {
    torch::Tensor where = bad.nonzero();
    if (where.numel() == 0) return;
    const std::int64_t row = where[0][0].item<std::int64_t>(), column = where[0][1].item<std::int64_t>();
    throw InputError("data.path: " + path + ": '" + split + "/" + name + "' row " + std::to_string(row) + " column " +
                     std::to_string(column + column_shift) + " is " +
                     std::to_string(values[row][column].item<std::int64_t>()) +
                     ", outside the model's vocabulary (vocab_size " + std::to_string(vocab) +
                     (name == "labels" ? "; -100 marks a token not trained on)" : ")"));
  };
  first_bad(data.input_ids.lt(0).logical_or(data.input_ids.ge(vocab)), "input_ids", data.input_ids, 0);
  const torch::Tensor& t = data.targets;
  first_bad(t.ne(ignored_label).logical_and(t.lt(0).logical_or(t.ge(vocab))), "labels", t, 1);
}

}  // namespace trawl
