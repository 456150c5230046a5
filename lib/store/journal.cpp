#include "store/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

Journal::Journal(const std::string& dir, const std::string& name) : path_(dir + "/" + name + ".journal") {
  std::error_code ec;
  fs::create_directories(dir, ec);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open journal '" + path_ + "': " + std::strerror(errno));
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

void Journal::append(const std::vector<std::string>& fields) {
  std::string payload;
  for (std::size_t i = 0; i < fields.size(); ++i) payload += (i ? "\t" : "") + escape(fields[i]);
  std::string record;
  const auto length = static_cast<std::uint32_t>(payload.size());
  const std::uint64_t hash = StableHash().add(payload).value();
  for (int i = 0; i < 4; ++i) record.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  for (int i = 0; i < 8; ++i) record.push_back(static_cast<char>((hash >> (8 * i)) & 0xff));
  record += payload;
  write_all(fd_, record, path_);
  if (::fdatasync(fd_) != 0) throw Error("cannot fsync journal '" + path_ + "': " + std::strerror(errno));
}

std::vector<JournalRecord> read_journals(const std::string& dir, std::size_t* torn) {
  std::vector<JournalRecord> records;
  if (torn) *torn = 0;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".journal") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    std::size_t at = 0, index = 0;
    while (at + 12 <= bytes.size()) {
      std::uint32_t length = 0;
      std::uint64_t hash = 0;
      for (int i = 0; i < 4; ++i) length |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
      for (int i = 0; i < 8; ++i) hash |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + 4 + i])) << (8 * i);
      if (at + 12 + length > bytes.size()) break;
      std::string payload = bytes.substr(at + 12, length);
      if (StableHash().add(payload).value() != hash) break;
      records.push_back(JournalRecord{unescape_fields(payload), file.string(), index++});
      at += 12 + length;
    }
    if (at != bytes.size() && torn) ++*torn;
  }
  return records;
}

}  // namespace trawl
