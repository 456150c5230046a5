#include "checkpoint/checkpoint_dir.hpp"

#include <algorithm>
#include <filesystem>

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

// Format 2 checksums with XXH3; format 1 (trawl 0.1) with FNV-1a.
constexpr char magic[] = "TRAWLCK2";
constexpr char magic_v1[] = "TRAWLCK1";
constexpr std::size_t magic_size = 8;

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}
// "TRAWLCK2", a length to be filled in, the payload as it comes, its XXH3.
void write_container(DurableFile& file, const CheckpointDir::Payload& payload) {
  file.write(magic, magic_size);
  std::string length(8, '\0');
  file.write(length.data(), length.size());
  StreamingChecksum sum;
  std::uint64_t size = 0;
  payload([&](const void* data, std::size_t n) {
    file.write(data, n);
    sum.add(data, n);
    size += n;
  });
  std::string trailer;
  put_u64(trailer, sum.value());
  file.write(trailer.data(), trailer.size());
  length.clear();
  put_u64(length, size);
  file.write_at(magic_size, length.data(), length.size());
}

}  // namespace

std::optional<std::string> decode_checkpoint(std::string bytes, std::string& why) {
  const bool v1 = bytes.compare(0, magic_size, magic_v1) == 0;
  if (bytes.size() < magic_size + 16 || (!v1 && bytes.compare(0, magic_size, magic) != 0)) {
    why = "not a trawl checkpoint (bad header)";
    return std::nullopt;
  }
  const std::uint64_t length = get_u64(bytes, magic_size);
  if (bytes.size() != magic_size + 8 + length + 8) {
    why = "torn: " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(magic_size + 16 + length);
    return std::nullopt;
  }
  const std::string_view payload(bytes.data() + magic_size + 8, length);
  if ((v1 ? legacy_checksum(payload) : checksum(payload)) != get_u64(bytes, magic_size + 8 + length)) {
    why = "checksum mismatch";
    return std::nullopt;
  }
  bytes.resize(magic_size + 8 + length);
  bytes.erase(0, magic_size + 8);
  return bytes;
}

CheckpointDir::CheckpointDir(std::string dir, int keep) : dir_(std::move(dir)), keep_(std::max(1, keep)) {}

std::string CheckpointDir::path_for(std::int64_t step) const {
  return dir_ + "/step-" + std::to_string(step) + ".ckpt";
}

std::vector<std::int64_t> CheckpointDir::steps() const {
  std::vector<std::int64_t> steps;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step-", 0) != 0 || entry.path().extension() != ".ckpt") continue;
    // Other names (step-x.ckpt, a user's copy) are not ours: leave them be.
    if (auto step = parse_int64(name.substr(5, name.size() - 10)); step && *step >= 0) steps.push_back(*step);
  }
  std::sort(steps.rbegin(), steps.rend());
  return steps;
}

void CheckpointDir::save(std::int64_t step, const Payload& payload) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error("cannot create checkpoint directory '" + dir_ + "': " + ec.message());
  DurableFile file(path_for(step));
  write_container(file, payload);
  file.commit();
  // Only now that the new one is durable may older ones go.
  std::vector<std::int64_t> all = steps();
  for (std::size_t i = static_cast<std::size_t>(keep_); i < all.size(); ++i) fs::remove(path_for(all[i]), ec);
}

std::optional<LoadedCheckpoint> CheckpointDir::load_latest(
    const std::function<void(const std::string&)>& skipped) const {
  for (std::int64_t step : steps()) {
    const std::string path = path_for(step);
    std::string why;
    std::optional<std::string> payload;
    try {
      payload = decode_checkpoint(read_text_file(path, "the checkpoint"), why);
    } catch (const Error& e) {
      why = std::string("unreadable: ") + e.what();
    }
    if (payload) return LoadedCheckpoint{step, std::move(*payload), path};
    skipped(path + ": " + why);
  }
  return std::nullopt;
}

}  // namespace trawl
