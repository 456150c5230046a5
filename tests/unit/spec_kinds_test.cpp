#include "catch_support.hpp"

#include <string>

#include "spec/kinds.hpp"
#include "spec/schema.hpp"
#include "test_files.hpp"

using trawl::test::Contains;
using trawl::test::parse;
using trawl::test::parse_error;

namespace {

// A sweep of one data kind and one model kind, with every file key it might need.
std::string sweep_of(const trawl::DataKind& data, const trawl::ModelKind& model) {
  std::string text = "[data]\nkind = \"" + std::string(data.name) + "\"\n";
  text += data.split_files ? "train_file = \"t\"\nval_file = \"v\"\n" : "path = \"d.h5\"\n";
  return text + "[model]\nkind = \"" + model.name + "\"\npath = \"m\"\n";
}

}  // namespace

// The kinds table alone decides which data a model reads: every pair either
// parses or is refused at the key that is wrong, naming what would do.
TEST_CASE("every data kind and model kind pair is accepted exactly when the model reads the data", "[spec]") {
  for (const trawl::DataKind& data : trawl::data_kinds()) {
    for (const trawl::ModelKind& model : trawl::model_kinds()) {
      INFO(data.name << " with " << model.name);
      if (model.reads & static_cast<unsigned>(data.examples)) {
        const trawl::SweepSpec spec = parse(sweep_of(data, model));
        CHECK(spec.string("data.task") == data.default_task());
        continue;
      }
      const std::string error = parse_error(sweep_of(data, model));
      CHECK((Contains("it needs model.kind = ").match(error) || Contains("it needs data.kind = ").match(error)));
      CHECK_THAT(error, Contains("sweep.toml:"));
    }
  }
}

TEST_CASE("the schema allows exactly the kinds the table has", "[spec]") {
  CHECK(trawl::find_key("data.kind")->choices == trawl::data_kind_names());
  CHECK(trawl::find_key("model.kind")->choices == trawl::model_kind_names());
  CHECK(trawl::find_data_kind("csv") == nullptr);
  CHECK(trawl::data_kinds_training("lm") == "\"text\", \"tokens\", \"sft\" or \"jsonl\"");
  CHECK(trawl::data_kinds_training("classification") == "\"hdf5\", \"sft\" or \"jsonl\"");
  CHECK(trawl::model_kinds_reading(*trawl::find_data_kind("tokens")) == "\"causal_lm\"");
}

TEST_CASE("a data kind names what it needs", "[spec]") {
  CHECK_THAT(parse_error("[data]\nkind = \"text\"\ntrain_file = \"t\"\n"),
             Contains("data.val_file is required for data.kind = \"text\""));
  CHECK_THAT(parse_error("[data]\nkind = \"tokens\"\ntrain_file = \"t\"\nval_file = \"v\"\n[model]\nkind = \"gpt\"\n"),
             Contains("data.kind = \"tokens\" holds token ids: it needs model.kind = \"causal_lm\""));
  CHECK_THAT(parse_error("[data]\npath = \"d.h5\"\n[model]\nkind = \"gpt\"\n"),
             Contains("model.kind = \"gpt\" is a byte-level language model: it needs data.kind = \"text\""));
  CHECK_THAT(parse_error("[data]\npath = \"d.h5\"\ntask = \"lm\"\n"),
             Contains("data.task = \"lm\" needs data.kind = \"text\", \"tokens\", \"sft\" or \"jsonl\""));
  CHECK_THAT(parse_error("[data]\npath = \"d.h5\"\n[model]\nkind = \"torchscript\"\n"),
             Contains("model.kind = \"torchscript\" needs model.path: a module saved with torch.jit.save"));
}
