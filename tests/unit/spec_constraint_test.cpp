#include "catch_support.hpp"

#include <cmath>
#include <fstream>

#include "core/text.hpp"
#include "spec/constraint.hpp"
#include "spec/metrics.hpp"
#include "spec/parse.hpp"
#include "spec/spec_diff.hpp"
#include "spec/spec_hash.hpp"
#include "test_files.hpp"

using trawl::test::parse;
using trawl::test::parse_error;
using trawl::test::Contains;
using trawl::test::StartsWith;

namespace {
const std::string data = "[data]\npath = \"d.h5\"\n";
const trawl::SourcePos at{"s.toml", 3, 10};

std::string parse_constraint_error(const std::string& text) {
  try {
    trawl::parse_constraint(text, at);
  } catch (const trawl::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a constraint is metric, operator, number; each operator holds as written", "[spec]") {
  const trawl::Constraint c = trawl::parse_constraint("infer.p99_ms.b1<=80", at);
  CHECK(c.metric == "infer.p99_ms.b1");
  CHECK(c.op == "<=");
  CHECK(c.bound == 80);
  CHECK(c.text() == "infer.p99_ms.b1 <= 80");
  CHECK(c.favours() == trawl::Goal::minimize);
  CHECK(c.holds(80));
  CHECK_FALSE(c.holds(80.5));
  CHECK_FALSE(c.holds(std::nan("")));
  CHECK_FALSE(trawl::parse_constraint(" val.auc < 0.9 ", at).holds(0.9));
  const trawl::Constraint at_least = trawl::parse_constraint("val.accuracy >= 1e-1", at);
  CHECK(at_least.bound == Approx(0.1));
  CHECK(at_least.favours() == trawl::Goal::maximize);
  CHECK(at_least.holds(0.1));
  CHECK_FALSE(trawl::parse_constraint("val.f1 > 0.5", at).holds(0.5));
  CHECK(trawl::parse_constraint(at_least.text(), at).text() == at_least.text());
}

TEST_CASE("a malformed constraint names the character where it goes wrong", "[spec]") {
  // Column 10 is the opening quote; character k of the text is column 11 + k.
  CHECK_THAT(parse_constraint_error("val.loss = 3"), StartsWith("s.toml:3:20: ") && Contains("expected an operator"));
  CHECK_THAT(parse_constraint_error("val.loss <= fast"), StartsWith("s.toml:3:23: ") && Contains("a finite number"));
  // Trailing text is pointed at where it starts (column 11 + 14), not at the number.
  CHECK_THAT(parse_constraint_error("val.loss <= 3 ms"),
             StartsWith("s.toml:3:25: ") && Contains("unexpected text after the bound: 'ms'"));
  CHECK_THAT(parse_constraint_error("val.loss <= 1 and more"),
             StartsWith("s.toml:3:25: ") && Contains("unexpected text after the bound: 'and more'"));
  CHECK(parse_constraint_error("val.loss <= 1   ").empty());
  CHECK_THAT(parse_constraint_error("val.loss <="), Contains("a finite number"));
  CHECK_THAT(parse_constraint_error("<= 3"), StartsWith("s.toml:3:11: ") && Contains("expected a metric name"));
  CHECK_THAT(parse_constraint_error("val.loss <= nan"), Contains("a finite number"));
}

TEST_CASE("sweep.constraints are checked against the metrics the sweep records", "[spec]") {
  const trawl::SweepSpec spec =
      parse(data + "[sweep]\nconstraints = [\"val.loss <= 2\", \"infer.p99_ms.b8 < 80\"]\n[infer]\nbatch_sizes = [1, 8]\n");
  REQUIRE(spec.constraints.size() == 2);
  CHECK(spec.constraints[1].metric == "infer.p99_ms.b8");
  CHECK(spec.constraints[1].pos.line == 4);
  CHECK(spec.constraints[1].pos.column == 33);
  CHECK(spec.infer_batch_sizes == std::vector<std::int64_t>{1, 8});
  CHECK_THAT(parse_error(data + "[sweep]\nconstraints = [\"val.los <= 2\"]\n"),
             StartsWith("sweep.toml:4:16: ") && Contains("'val.los' is not a metric this sweep records") &&
                 Contains("did you mean 'val.loss'"));
  CHECK_THAT(parse_error(data + "[sweep]\nconstraints = [\"infer.p99_ms.b4 <= 2\"]\n[infer]\nbatch_sizes = [1]\n"),
             Contains("did you mean 'infer.p99_ms.b1'"));
  CHECK_THAT(parse_error(data + "[sweep]\nconstraints = [\"val.loss ~ 2\"]\n"), StartsWith("sweep.toml:4:26: "));
  CHECK_THAT(parse_error(data + "[sweep]\nconstraints = [3]\n"), Contains("must hold strings"));
}

TEST_CASE("inference batch sizes: distinct and positive; timings bound, never rank", "[spec]") {
  CHECK_THAT(parse_error(data + "[infer]\nbatch_sizes = [4, 4]\n"), StartsWith("sweep.toml:4:19: ") && Contains("twice"));
  CHECK_THAT(parse_error(data + "[infer]\nbatch_sizes = [0]\n"), Contains("a batch size is at least 1"));
  CHECK_THAT(parse_error(data + "[infer]\niterations = 0\n"), Contains("infer.iterations must be at least 1"));
  CHECK_THAT(parse_error(data + "[sweep]\nmetric = \"infer.latency_ms.b1\"\n[infer]\nbatch_sizes = [1]\n"),
             Contains("measured once, after training") && Contains("sweep.constraints"));
  CHECK(parse(data + "[sweep]\nmetric = \"val.f1\"\n").string("sweep.mode") == "max");
  // A batch size on the grid (or set alone) is timed under unsuffixed names.
  const trawl::SweepSpec axis =
      parse(data + "[sweep]\nconstraints = [\"infer.p99_ms <= 5\"]\n[grid]\ninfer.batch_size = [1, 8]\n");
  CHECK(axis.constraints.front().metric == "infer.p99_ms");
  CHECK(trawl::sweep_metrics(axis).back() == "infer.throughput");
  CHECK(trawl::sweep_metrics(parse(data + "[infer]\nbatch_size = 4\n")).back() == "infer.throughput");
  CHECK_THAT(parse_error(data + "[sweep]\nconstraints = [\"infer.p99_ms <= 5\"]\n"), Contains("not a metric"));
}

TEST_CASE("constraints and batch sizes change the spec hash only when set", "[spec]") {
  const std::string dir = trawl::test::scratch_dir("spec-constraint-hash");
  std::ofstream(dir + "/d.h5") << "data";
  const trawl::SweepSpec plain = parse(data, dir);
  const trawl::SweepSpec bounded = parse(data + "[sweep]\nconstraints = [\"val.loss <= 2\"]\n", dir);
  const trawl::SweepSpec timed = parse(data + "[infer]\nbatch_sizes = [1]\nwarmup = 3\n", dir);
  CHECK(trawl::settings_hash(plain) == trawl::settings_hash(parse(data + "[infer]\niterations = 20\n", dir)));
  CHECK(trawl::settings_hash(plain) != trawl::settings_hash(bounded));
  CHECK(trawl::settings_hash(plain) != trawl::settings_hash(timed));
  CHECK_THAT(trawl::join(trawl::spec_differences(plain, bounded), "; "), Contains("sweep.constraints:  -> val.loss <= 2"));
  CHECK_THAT(trawl::join(trawl::spec_differences(plain, timed), "; "), Contains("infer.batch_sizes:  -> 1"));
}
