#include "catch_support.hpp"

#include "spec/spec_hash.hpp"
#include "train/data_check.hpp"
#include "test_files.hpp"

using trawl::test::Contains;
using trawl::test::StartsWith;

TEST_CASE("a good data set is described", "[train][data]") {
  std::string dir = trawl::test::scratch_dir("data-good");
  trawl::test::write_classification_data(dir + "/d.h5", 40, 5, 3);
  trawl::DataShape shape = trawl::inspect_data(trawl::test::parse("[data]\npath = \"d.h5\"\n", dir));
  CHECK(shape.train_rows == 40);
  CHECK(shape.features == 5);
  CHECK(shape.classes == 3);
  CHECK(shape.outputs == 3);
}

TEST_CASE("missing files and datasets are named with the key's position", "[train][data]") {
  std::string dir = trawl::test::scratch_dir("data-bad");
  CHECK_THROWS_WITH(trawl::inspect_data(trawl::test::parse("[data]\npath = \"nope.h5\"\n", dir)),
                    StartsWith("sweep.toml:2:8:") && Contains("no such file"));
  trawl::test::write_classification_data(dir + "/d.h5", 10, 2, 2);
  CHECK_THROWS_WITH(trawl::inspect_data(trawl::test::parse("[data]\npath = \"d.h5\"\nval_x = \"valid/x\"\n", dir)),
                    StartsWith("sweep.toml:3:9:") && Contains("dataset 'valid/x' is not in"));
  CHECK_THROWS_WITH(trawl::inspect_data(trawl::test::parse("[data]\npath = \"d.h5\"\ntask = \"regression\"\n", dir)),
                    Contains("must be float32 targets"));
  CHECK_THROWS_WITH(
      trawl::inspect_data(trawl::test::parse("[data]\npath = \"d.h5\"\n[model]\ninit = \"base.pt\"\n", dir)),
      StartsWith("sweep.toml:4:8:") && Contains("model.init: no such file"));
}

TEST_CASE("the spec hash changes with anything that changes results, and only then", "[spec]") {
  std::string dir = trawl::test::scratch_dir("spec-hash");
  trawl::test::write_classification_data(dir + "/d.h5", 10, 2, 2);
  const std::string base = "[data]\npath = \"d.h5\"\n[grid]\ntrain.lr = [0.1, 0.2]\n";
  const std::string hash = trawl::spec_hash(trawl::test::parse(base, dir));
  CHECK(trawl::spec_hash(trawl::test::parse(base, dir)) == hash);
  CHECK(trawl::spec_hash(trawl::test::parse(base + "[sweep]\nname = \"other\"\ndir = \"x\"\n", dir)) == hash);
  CHECK(trawl::spec_hash(trawl::test::parse(base + "[checkpoint]\nkeep = 5\n", dir)) == hash);
  CHECK(trawl::spec_hash(trawl::test::parse(base + "[train]\nsteps = 7\n", dir)) != hash);
  CHECK(trawl::spec_hash(trawl::test::parse(base + "[sweep]\nseeds = [0, 1]\n", dir)) != hash);
  CHECK(trawl::spec_hash(trawl::test::parse(
            "[data]\npath = \"d.h5\"\n[grid]\ntrain.lr = [0.1, 0.3]\n", dir)) != hash);
  CHECK(trawl::spec_hash(trawl::test::parse(base + "[[exclude]]\ntrain.lr = 0.1\n", dir)) != hash);
  // The data file's bytes count too.
  trawl::test::write_classification_data(dir + "/d2.h5", 11, 2, 2);
  CHECK(trawl::spec_hash(trawl::test::parse("[data]\npath = \"d2.h5\"\n[grid]\ntrain.lr = [0.1, 0.2]\n", dir)) !=
        hash);
}
