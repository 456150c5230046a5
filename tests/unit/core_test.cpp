#include "catch_support.hpp"

#include <cmath>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "test_files.hpp"

TEST_CASE("did-you-mean suggests only close words", "[core]") {
  CHECK(trawl::did_you_mean("train.lrr", {"train.lr", "train.steps"}) == " (did you mean 'train.lr'?)");
  CHECK(trawl::did_you_mean("zzzzzzzz", {"train.lr"}).empty());
}

TEST_CASE("doubles print as the shortest text that reads back", "[core]") {
  CHECK(trawl::format_double(0.001) == "0.001");
  CHECK(trawl::format_double(1e-5) == "1e-05");
  CHECK(trawl::format_double(0.1 + 0.2) == "0.30000000000000004");
}

TEST_CASE("globs match whole parameter names", "[core]") {
  CHECK(trawl::glob_match("hidden.*", "hidden.0.weight"));
  CHECK(trawl::glob_match("*.bias", "head.bias"));
  CHECK_FALSE(trawl::glob_match("hidden.*", "head.weight"));
}

TEST_CASE("the stable hash is the same across runs and separates fields", "[core]") {
  // XXH3-64 of "abc", as `xxhsum -H3` prints it.
  CHECK(trawl::StableHash().add("abc").hex() == "78af5f94892f3950");
  CHECK(trawl::checksum("abc") == 0x78af5f94892f3950ULL);
  // FNV-1a of "abc": trawl 0.1's checksums stay readable.
  CHECK(trawl::legacy_checksum("abc") == 0xe71fa2190541574bULL);
  CHECK(trawl::StableHash().add("a").add("bc").hex() != trawl::StableHash().add("ab").add("c").hex());
  CHECK(trawl::StableHash().add_field("ab").add_field("c").hex() !=
        trawl::StableHash().add_field("a").add_field("bc").hex());
}

TEST_CASE("a checksum given in pieces is the checksum of the whole", "[core]") {
  std::string bytes;
  for (int i = 0; i < 100000; ++i) bytes.push_back(static_cast<char>(i * 7919));
  trawl::StreamingChecksum sum;
  for (std::size_t at = 0; at < bytes.size(); at += 777) sum.add(bytes.data() + at, std::min<std::size_t>(777, bytes.size() - at));
  CHECK(sum.value() == trawl::checksum(bytes));
  trawl::StreamingChecksum abc;
  abc.add("a", 1);
  abc.add("bc", 2);
  CHECK(abc.value() == 0x78af5f94892f3950ULL);
}

TEST_CASE("a durable file is either all there or not there", "[core]") {
  const std::string dir = trawl::test::scratch_dir("durable-file");
  const std::string path = dir + "/f";
  {
    trawl::DurableFile file(path);
    file.write("hello world", 11);
    file.write_at(0, "J", 1);
    CHECK_FALSE(std::filesystem::exists(path));  // not before commit
    file.commit();
  }
  CHECK(trawl::read_text_file(path, "it") == "Jello world");
  {
    trawl::DurableFile abandoned(path);
    abandoned.write("half", 4);
  }  // an exception would leave it so: the old file stays, no temporary is left
  CHECK(trawl::read_text_file(path, "it") == "Jello world");
  CHECK(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("a file's hash is XXH3-64 of its bytes, streamed", "[core]") {
  const std::string path = trawl::test::scratch_dir("core-hash") + "/abc.txt";
  std::string big(3 << 20, 'x');  // more than one read buffer
  {
    std::ofstream(path, std::ios::binary) << "abc";
  }
  CHECK(trawl::hash_file(path) == "78af5f94892f3950");
  {
    std::ofstream(path, std::ios::binary) << big;
  }
  CHECK(trawl::hash_file(path) == trawl::StableHash().add(big).hex());
  CHECK_THROWS_WITH(trawl::hash_file(path + ".missing"), trawl::test::Contains("abc.txt.missing"));
}

TEST_CASE("inputs hash as a file, a directory or a glob; a changed file is hashed again", "[core]") {
  namespace fs = std::filesystem;
  const std::string dir = trawl::test::scratch_dir("core-hash-files");
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir + "/" + name) << text; };
  write("a.bin", "one");
  write("b.bin", "two");
  const std::string whole = trawl::hash_files(dir), shards = trawl::hash_files(dir + "/*.bin");
  CHECK(trawl::hash_files(dir + "/a.bin") == trawl::hash_file(dir + "/a.bin"));
  CHECK(whole == shards);  // the same files by name and content
  CHECK(trawl::hash_files(dir) == whole);
  write("b.bin", "too");  // same size: the modification time tells
  fs::last_write_time(dir + "/b.bin", fs::last_write_time(dir + "/b.bin") + std::chrono::seconds(5));
  CHECK(trawl::hash_files(dir) != whole);
  CHECK(trawl::hash_files(dir + "/b.bin") == trawl::hash_file(dir + "/b.bin"));
  CHECK_THROWS_WITH(trawl::hash_files(dir + "/*.txt"), trawl::test::Contains("no file matches"));
}

TEST_CASE("numbers parse whole or not at all", "[core]") {
  CHECK(trawl::parse_int64("42") == 42);
  CHECK(trawl::parse_int64("-7") == -7);
  CHECK(trawl::parse_int64("+7") == 7);
  CHECK_FALSE(trawl::parse_int64(""));
  CHECK_FALSE(trawl::parse_int64("12x"));
  CHECK_FALSE(trawl::parse_int64("1.5"));
  CHECK_FALSE(trawl::parse_int64("99999999999999999999"));
  CHECK(trawl::parse_double("0.001") == 0.001);
  CHECK(trawl::parse_double("1e-05") == 1e-5);
  CHECK(std::isnan(*trawl::parse_double("nan")));
  CHECK(std::isinf(*trawl::parse_double("-inf")));
  CHECK_FALSE(trawl::parse_double("0.5s"));
  CHECK_FALSE(trawl::parse_double(""));
  // What format_double writes, parse_double reads back exactly.
  for (double v : {0.1 + 0.2, 1e-300, -3.25, 6.02e23}) CHECK(*trawl::parse_double(trawl::format_double(v)) == v);
}

TEST_CASE("an input error carries the sweep key it came from as data", "[core]") {
  const trawl::InputError keyed("model.init: no such file: w.pt", "model.init");
  CHECK(keyed.key() == "model.init");
  CHECK(std::string(keyed.what()) == "model.init: no such file: w.pt");
  CHECK(trawl::InputError("model.kind is wrong").key().empty());  // no key: the catcher decides
}
