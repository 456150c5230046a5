#include "catch_support.hpp"

#include "core/error.hpp"
#include "spec/kinds.hpp"
#include "train/model_kinds.hpp"
#include "test_files.hpp"

TEST_CASE("every model kind a sweep may name has one builder, and only those", "[train]") {
  for (const trawl::ModelKind& kind : trawl::model_kinds()) CHECK_NOTHROW(trawl::model_builder(kind.name));
  CHECK_THROWS_WITH(trawl::model_builder("rnn"), trawl::test::Contains("no model kind 'rnn' is registered"));
  // Only a Hugging Face checkpoint is built on the meta device before a run.
  CHECK(trawl::model_builder("causal_lm").checked_before_run());
  CHECK_FALSE(trawl::model_builder("mlp").checked_before_run());
}

TEST_CASE("a torchscript model's missing module is refused at model.path", "[train]") {
  const std::string dir = trawl::test::scratch_dir("model-kinds-script");
  const trawl::SweepSpec spec =
      trawl::test::parse("[model]\nkind = \"torchscript\"\npath = \"missing.pt\"\n[data]\npath = \"d.h5\"\n", dir);
  try {
    trawl::model_builder("torchscript").inspect(spec);
    FAIL("a missing module passed");
  } catch (const trawl::InputError& e) {
    CHECK(e.where().pos.line == 3);
    CHECK_THAT(e.what(), trawl::test::Contains("model.path: no such file:"));
  }
  CHECK(trawl::model_builder("gpt").vocab_size(spec) == 0);  // its vocabulary is bytes, not from a file
}
