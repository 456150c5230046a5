// lib/store: a worker's journal. Every record trawl writes to the results
// file is first appended here and fsync'd, so `trawl repair` can rebuild the
// file from the sweep file and the journals if the file is ever damaged (a
// node dies mid-write). Each record is: length (4 bytes), FNV-1a hash of the
// payload (8 bytes), payload (tab-separated text). A torn last record (the
// writer died while appending) is ignored on reading.
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

  // Appends one record of fields and makes it durable before returning.
  void append(const std::vector<std::string>& fields);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

struct JournalRecord {
  std::vector<std::string> fields;
  std::string source;  // journal file
  std::size_t index;   // position in it
};

// Every intact record of every journal in `dir`; `torn` counts the journals
// that ended in a torn record.
std::vector<JournalRecord> read_journals(const std::string& dir, std::size_t* torn = nullptr);

}  // namespace trawl
