#include "catch_support.hpp"

#include <fstream>
#include <string>

#include "spec/schema.hpp"
#include "spec/spec_hash.hpp"
#include "test_files.hpp"

namespace {

// A small text sweep whose spec hash trawl 0.2 recorded (a results file's
// spec_hash attribute, made before this test existed).
const char* const golden_sweep = R"([sweep]
dir = "out"
[data]
kind = "text"
train_file = "train.txt"
val_file = "val.txt"
[model]
kind = "gpt"
layers = 1
d_model = 8
heads = 2
seq_len = 4
[train]
steps = 1
eval_every = 1
batch_size = 2
[grid]
train.lr = [0.01, 0.02]
)";

std::string golden_dir() {
  const std::string dir = trawl::test::scratch_dir("golden-hash");
  std::ofstream(dir + "/train.txt") << "the quick brown fox jumps over the lazy dog, again and again.\n";
  std::ofstream(dir + "/val.txt") << "a lazy dog sleeps.\n";
  return dir;
}

// The golden sweep with `key = value` added to its section.
std::string with_key(const std::string& key, const std::string& value) {
  const std::size_t dot = key.find('.');
  const std::string header = "[" + key.substr(0, dot) + "]\n", line = key.substr(dot + 1) + " = " + value + "\n";
  std::string text = golden_sweep;
  const std::size_t at = text.find(header);
  return at == std::string::npos ? text + header + line : text.insert(at + header.size(), line);
}

}  // namespace

// Results files and checkpoints made by earlier versions resume only while
// their sweep hashes as it did: a key added to the table without added_in,
// or a change to what is hashed, fails here.
TEST_CASE("a sweep written for trawl 0.2 keeps its spec hash", "[spec]") {
  const std::string dir = golden_dir();
  CHECK(trawl::spec_hash(trawl::test::parse(golden_sweep, dir)) == "f6ea0c06cac1e27e");
}

TEST_CASE("a key added after 0.2 and set to its default leaves the spec hash as it was", "[spec]") {
  const std::string dir = golden_dir();
  const std::string hash = trawl::spec_hash(trawl::test::parse(golden_sweep, dir));
  int added = 0;
  for (const trawl::KeySpec& key : trawl::known_keys()) {
    if (key.added_in == "0.2" || !key.default_value) continue;
    const trawl::Value& value = *key.default_value;
    const std::string text = trawl::to_string(value);
    const std::string sweep = with_key(key.key, key.type == trawl::KeyType::string ? "\"" + text + "\"" : text);
    trawl::SweepSpec spec;
    try {
      spec = trawl::test::parse(sweep, dir);
    } catch (const trawl::InputError&) {
      continue;  // refused on its own in this sweep (prune.*, sampling without generation)
    }
    ++added;
    INFO(key.key);
    CHECK(trawl::spec_hash(spec) == hash);
  }
  CHECK(added >= 10);
  // Set to another value, it counts.
  CHECK(trawl::spec_hash(trawl::test::parse(with_key("train.patience", "3"), dir)) != hash);
  CHECK(trawl::spec_hash(trawl::test::parse(with_key("infer.warmup", "4"), dir)) != hash);
}

TEST_CASE("keys that do not change results stay out of the hash", "[spec]") {
  for (const char* key : {"sweep.name", "sweep.dir", "sweep.schedule", "train.threads", "checkpoint.keep"})
    CHECK_FALSE(trawl::affects_results(key));
  for (const char* key : {"train.lr", "model.hidden", "data.path", "infer.batch_size"})
    CHECK(trawl::affects_results(key));
}
