// lib/store: a worker's journal. Every record trawl writes to the results
// file is first appended here and fsync'd, so `trawl repair` can rebuild the
// file from the sweep file and the journals if the file is ever damaged (a
// node dies mid-write). A journal has one writer. Format 2: the file begins
// "TRAWLJ2\n"; each record is its length (4 bytes, little-endian), the XXH3-64
// of its payload (8 bytes) and the payload: tab-separated fields, the first
// the record's sequence number in this journal (0, 1, ...). Format 1 (trawl
// 0.1: no header, FNV-1a, no sequence field) is still read. A torn last
// record (the writer died while appending) is ignored on reading.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trawl {

class Journal {
 public:
  // Opens (creating) <dir>/<name>.journal for appending.
  Journal(const std::string& dir, const std::string& name);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one record of fields: written (a killed process loses nothing),
  // durable once sync() returns.
  void append(const std::vector<std::string>& fields);
  // fdatasync, when anything was appended since the last one. Writers call
  // it after releasing the results file's lock, so no worker waits on
  // another's disk flush; the destructor flushes what is left.
  void sync();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t next_sequence_ = 0;
  bool unsynced_ = false;
};

struct JournalRecord {
  std::vector<std::string> fields;  // without the sequence number
  std::string source;               // journal file
  std::uint64_t sequence = 0;       // its writer's sequence number
};

struct JournalDamage {
  std::size_t torn = 0;     // journals that ended in a torn record (a writer died mid-append)
  std::size_t damaged = 0;  // damaged stretches skipped to the next record that verifies
};

// Every intact record of every journal in `dir`. A damaged stretch in the
// middle of a journal costs only the records it hit: reading goes on at the
// next record whose checksum verifies.
std::vector<JournalRecord> read_journals(const std::string& dir, JournalDamage* damage = nullptr);

}  // namespace trawl
