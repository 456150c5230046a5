#include "catch_support.hpp"

#include <filesystem>
#include <fstream>

#include "core/hash.hpp"
#include "store/journal.hpp"
#include "store/record.hpp"
#include "test_files.hpp"

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A trawl 0.1 journal record: length, FNV-1a, tab-separated payload.
std::string version1_record(const std::string& payload) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
  const std::uint64_t hash = trawl::legacy_checksum(payload);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((hash >> (8 * i)) & 0xff));
  return out + payload;
}

}  // namespace

TEST_CASE("a journal numbers its records and survives a torn tail", "[store][journal]") {
  const std::string dir = trawl::test::scratch_dir("journal-basic");
  {
    trawl::Journal journal(dir, "w0");
    journal.append({"event", "1", "-1", "kind", "a\ttab and\na newline \\ backslash"});
    journal.append({"interrupt", "2", "3", "40"});
  }
  {
    trawl::Journal again(dir, "w0");  // the same name continues the numbering
    again.append({"interrupt", "3", "4", "50"});
  }
  std::ofstream(dir + "/w0.journal", std::ios::binary | std::ios::app) << std::string("\x20\0\0\0garbage", 11);
  trawl::JournalDamage damage;
  const auto records = trawl::read_journals(dir, &damage);
  CHECK(damage.torn == 1);
  CHECK(damage.damaged == 0);
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields.back() == "a\ttab and\na newline \\ backslash");
  for (std::size_t i = 0; i < records.size(); ++i) CHECK(records[i].sequence == i);
  CHECK(records[2].fields == std::vector<std::string>({"interrupt", "3", "4", "50"}));
  CHECK(read_bytes(dir + "/w0.journal").compare(0, 8, "TRAWLJ2\n") == 0);
}

TEST_CASE("trawl 0.1 journals are still read", "[store][journal]") {
  const std::string dir = trawl::test::scratch_dir("journal-v1");
  std::ofstream(dir + "/old.journal", std::ios::binary)
      << version1_record("interrupt\t5\t2\t7") << version1_record("event\t6\t2\tnote\thi");
  const auto records = trawl::read_journals(dir);
  REQUIRE(records.size() == 2);
  CHECK(records[1].sequence == 1);
  CHECK(records[1].fields == std::vector<std::string>({"event", "6", "2", "note", "hi"}));
  CHECK_THROWS_WITH(trawl::Journal(dir, "old"), trawl::test::Contains("older format"));
}

TEST_CASE("every record kind round-trips through journal fields", "[store][record]") {
  std::vector<trawl::Record> records{
      {10.5, trawl::StartRecord{3, "a0.g0@host:1", 2, std::nullopt}},
      {11, trawl::StartRecord{4, "owner with\ttab", 1, 99.25}},
      {12, trawl::LeaseRecord{4, 120.5}},
      {13, trawl::EvalRecord{3, trawl::EvalPoint{1, 200, {{"val.loss", 0.125}, {"train.loss", 1e-300}}}}},
      {14, trawl::FinishRecord{3, trawl::TrialStatus::diverged, 250, 200, 4.5, {{"val.loss", 0.1}}, {}}},
      {15, trawl::InterruptRecord{3, 120}},
      {16, trawl::EventRecord{trawl::StoreEvent{16, -1, "repaired", "all\nfine"}}},
      {17, trawl::FinishRecord{5, trawl::TrialStatus::done, 70, 40, 1.5, {}, {}, true}},
      {18, trawl::PauseRecord{6, 30, 1}},
      {19, trawl::DecisionRecord{6, 1, 3, true}},
      {20, trawl::DecisionRecord{7, 0, 1, false}},
  };
  for (const auto& record : records) {
    const trawl::Record back = trawl::decode(trawl::encode(record), "test");
    CHECK(trawl::encode(back) == trawl::encode(record));
    CHECK(back.body.index() == record.body.index());
    CHECK(trawl::trial_of(back) == trawl::trial_of(record));
  }
  const auto finish = std::get<trawl::FinishRecord>(trawl::decode(trawl::encode(records[4]), "t").body);
  CHECK(finish.status == trawl::TrialStatus::diverged);
  CHECK(finish.final_metrics.at("val.loss") == 0.1);
  CHECK_FALSE(finish.stopped_early);  // and its fields end as older journals' did
  CHECK(trawl::encode(records[4]).back() != "stopped_early");
  CHECK(trawl::encode(records[7]).back() == "stopped_early");
  CHECK(std::get<trawl::FinishRecord>(trawl::decode(trawl::encode(records[7]), "t").body).stopped_early);
  CHECK(std::get<trawl::FinishRecord>(trawl::decode(trawl::encode(records[7]), "t").body).trained_by == -1);
  trawl::FinishRecord shared = std::get<trawl::FinishRecord>(records[7].body);
  shared.trained_by = 3;  // a sibling's: after stopped_early, in either order on reading
  const std::vector<std::string> fields = trawl::encode(trawl::Record{5, shared});
  CHECK(std::vector<std::string>(fields.end() - 3, fields.end()) ==
        std::vector<std::string>{"stopped_early", "trained_by", "3"});
  const auto back = std::get<trawl::FinishRecord>(trawl::decode(fields, "t").body);
  CHECK((back.trained_by == 3 && back.stopped_early));
  const auto pause = std::get<trawl::PauseRecord>(trawl::decode(trawl::encode(records[8]), "t").body);
  CHECK((pause.steps == 30 && pause.rung == 1));
  const auto promote = std::get<trawl::DecisionRecord>(trawl::decode(trawl::encode(records[9]), "t").body);
  CHECK((promote.promoted && promote.rung == 1 && promote.attempt == 3));
  CHECK(trawl::encode(records[10])[0] == "prune");
  CHECK_FALSE(std::get<trawl::DecisionRecord>(trawl::decode(trawl::encode(records[10]), "t").body).promoted);
}

TEST_CASE("a damaged record is an error naming where and what", "[store][record]") {
  using Fields = std::vector<std::string>;
  auto error = [](const Fields& fields) {
    try {
      trawl::decode(fields, "w0.journal record 7");
    } catch (const trawl::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error({"interrupt", "1", "2", "40x"}) == "w0.journal record 7: field 4 '40x' is not an integer");
  CHECK(error({"interrupt", "1", "2"}).find("too few") != std::string::npos);
  CHECK(error({"interrupt", "1", "2", "4", "5"}).find("too many") != std::string::npos);
  CHECK(error({"finish", "1", "2", "9", "1", "1", "1", "0", "0"}).find("status 9 is not a trial status") !=
        std::string::npos);
  CHECK(error({"frobnicate", "1", "2"}).find("unknown record kind 'frobnicate'") != std::string::npos);
  CHECK(error({"lease", "1", "-5", "3"}).find("trial id -5") != std::string::npos);
  CHECK(error({"eval", "1", "2", "0", "10", "99999"}).find("metric count") != std::string::npos);
  CHECK(error({"pause", "1", "2", "0", "0"}).find("pause at step 0, rung 0 is not valid") != std::string::npos);
  CHECK(error({"prune", "1", "2", "-1", "1"}).find("rung -1 is not valid") != std::string::npos);
  CHECK(error({"finish", "1", "2", "2", "1", "1", "1", "0", "0", "stopped"})
            .find("field 'stopped' is neither 'stopped_early' nor 'trained_by'") != std::string::npos);
  CHECK(error({"finish", "1", "2", "2", "1", "1", "1", "0", "0", "trained_by"}).find("too few") != std::string::npos);
}

TEST_CASE("a damaged stretch in the middle of a journal costs only the records it hit", "[store][journal]") {
  const std::string dir = trawl::test::scratch_dir("journal-resync");
  {
    trawl::Journal journal(dir, "w");
    for (int i = 0; i < 20; ++i) journal.append({"interrupt", std::to_string(i), "1", std::to_string(i)});
  }
  std::string bytes = read_bytes(dir + "/w.journal");
  const std::size_t middle = bytes.size() / 2;
  for (std::size_t i = 0; i < 16; ++i) bytes[middle + i] = '\xff';
  std::ofstream(dir + "/w.journal", std::ios::binary | std::ios::trunc) << bytes;
  trawl::JournalDamage damage;
  const auto records = trawl::read_journals(dir, &damage);
  CHECK(damage.damaged == 1);
  CHECK(damage.torn == 0);
  CHECK(records.size() >= 17);  // 16 bytes hit at most two records of ~26 bytes
  CHECK(records.size() < 20);
  CHECK(records.back().sequence == 19);  // the records after the damage were read
  for (std::size_t i = 1; i < records.size(); ++i) CHECK(records[i].sequence > records[i - 1].sequence);
}
