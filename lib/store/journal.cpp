#include "store/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view magic = "TRAWLJ2\n";

std::string escape(const std::string& field) {
  std::string out;
  for (char c : field) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::vector<std::string> unescape_fields(const std::string& payload) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    char c = payload[i];
    if (c == '\t') {
      fields.emplace_back();
    } else if (c == '\\' && i + 1 < payload.size()) {
      char n = payload[++i];
      fields.back() += n == 't' ? '\t' : n == 'n' ? '\n' : n;
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::uint64_t little_endian(const std::string& bytes, std::size_t at, int size) {
  std::uint64_t v = 0;
  for (int i = 0; i < size; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return v;
}

// The record starting at `at`, if one does: its length fits and its checksum
// (and, format 2, its sequence number) verify. Advances `at` past it.
std::optional<JournalRecord> record_at(const std::string& bytes, std::size_t& at, bool v2, const std::string& source,
                                       std::uint64_t index) {
  if (at + 12 > bytes.size()) return std::nullopt;
  const auto length = static_cast<std::size_t>(little_endian(bytes, at, 4));
  if (at + 12 + length > bytes.size()) return std::nullopt;
  const std::string payload = bytes.substr(at + 12, length);
  if ((v2 ? checksum(payload) : legacy_checksum(payload)) != little_endian(bytes, at + 4, 8)) return std::nullopt;
  JournalRecord record{unescape_fields(payload), source, index};
  if (v2) {
    const auto sequence = parse_int64(record.fields.front());
    if (!sequence || *sequence < 0) return std::nullopt;
    record.sequence = static_cast<std::uint64_t>(*sequence);
    record.fields.erase(record.fields.begin());
  }
  at += 12 + length;
  return record;
}

// The intact records of one journal's bytes. A damaged stretch in the middle
// is skipped to the next record that verifies (counted in `damaged`); a torn
// end (its writer died mid-append) is counted in `torn`.
void read_records(const std::string& bytes, const std::string& source, std::vector<JournalRecord>& records,
                  JournalDamage& damage) {
  const bool v2 = bytes.compare(0, magic.size(), magic) == 0;
  std::size_t at = v2 ? magic.size() : 0;
  std::uint64_t index = 0;
  // Format 1 has no header: a file whose first record does not verify either is no journal.
  if (std::size_t first = 0; !v2 && !bytes.empty() && !record_at(bytes, first, false, source, 0))
    throw InputError(source + ": not a trawl journal (it neither begins with " + std::string(magic.substr(0, 7)) +
                     " nor with a record trawl 0.1 wrote); move it out of the journal folder");
  while (at < bytes.size()) {
    if (auto record = record_at(bytes, at, v2, source, index)) {
      records.push_back(std::move(*record));
      ++index;
      continue;
    }
    std::size_t next = at + 1;
    std::optional<JournalRecord> found;
    for (; next + 12 <= bytes.size() && !found; ++next) {
      std::size_t probe = next;
      found = record_at(bytes, probe, v2, source, index);
    }
    if (!found) {
      ++damage.torn;
      return;
    }
    ++damage.damaged;
    at = next - 1;  // the loop above went one past the record that verifies
  }
}

}  // namespace

Journal::Journal(const std::string& dir, const std::string& name) : path_(dir + "/" + name + ".journal") {
  std::error_code ec;
  fs::create_directories(dir, ec);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open journal '" + path_ + "': " + std::strerror(errno));
  // A journal's name holds its writer's pid: a file already there is a
  // previous run's of the same name, continued.
  std::vector<JournalRecord> earlier;
  const std::string bytes = fs::file_size(path_, ec) > 0 ? read_text_file(path_, "journal") : std::string();
  if (!bytes.empty() && bytes.compare(0, magic.size(), magic) != 0)
    throw Error("journal '" + path_ + "' is of an older format; move it aside or run `trawl repair` first");
  JournalDamage ignored;
  read_records(bytes, path_, earlier, ignored);
  next_sequence_ = earlier.empty() ? 0 : earlier.back().sequence + 1;
  if (bytes.empty()) write_all(fd_, std::string(magic), path_);
}

// What a worker appended since its last flush is flushed as it finishes;
// a failure here has no one left to tell (the records are written, only
// not yet forced to disk).
Journal::~Journal() {
  if (fd_ < 0) return;
  if (unsynced_) (void)::fdatasync(fd_);
  ::close(fd_);
}

void Journal::append(const std::vector<std::string>& fields) {
  std::string payload = std::to_string(next_sequence_);
  for (const auto& field : fields) payload += "\t" + escape(field);
  std::string record;
  const auto length = static_cast<std::uint32_t>(payload.size());
  const std::uint64_t hash = checksum(payload);
  for (int i = 0; i < 4; ++i) record.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  for (int i = 0; i < 8; ++i) record.push_back(static_cast<char>((hash >> (8 * i)) & 0xff));
  record += payload;
  write_all(fd_, record, path_);
  unsynced_ = true;
  ++next_sequence_;
}

void Journal::sync() {
  if (!unsynced_) return;
  if (::fdatasync(fd_) != 0) throw Error("cannot fsync journal '" + path_ + "': " + std::strerror(errno));
  unsynced_ = false;
}

std::vector<JournalRecord> read_journals(const std::string& dir, JournalDamage* damage) {
  std::vector<JournalRecord> records;
  JournalDamage found;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".journal") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    read_records(read_text_file(file.string(), "journal"), file.string(), records, found);
  }
  if (damage) *damage = found;
  return records;
}

}  // namespace trawl
