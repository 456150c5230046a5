#include "catch_support.hpp"

#include <cmath>

#include "core/error.hpp"
#include "report/sweep_report.hpp"
#include "report/table.hpp"

namespace {

std::vector<trawl::Table> sample() {
  trawl::Table top{"top", "Top", {"rank", "name", "score"}, {}};
  top.rows.push_back({trawl::integer_cell(1), trawl::text_cell("a, \"quoted\""), trawl::number_cell(0.5)});
  top.rows.push_back({trawl::integer_cell(2), trawl::text_cell("b"), trawl::number_cell(std::nan(""))});
  trawl::Table lr{"marginal.train.lr", "lr", {"train.lr", "done", "mean", "best", "seed_spread"}, {}};
  lr.rows.push_back({trawl::Cell{"0.1", true}, trawl::integer_cell(2), trawl::number_cell(0.9), trawl::number_cell(1),
                     trawl::number_cell(0.01)});
  trawl::Table opt{"marginal.train.optimizer", "opt", {"train.optimizer", "done", "mean", "best", "seed_spread"}, {}};
  opt.rows.push_back({trawl::text_cell("sgd"), trawl::integer_cell(1), trawl::number_cell(0.8),
                      trawl::number_cell(0.8), trawl::number_cell(std::nan(""))});
  return {top, lr, opt};
}

}  // namespace

TEST_CASE("a CSV holds exactly one table, quoted where it must be", "[report]") {
  const auto tables = sample();
  CHECK(trawl::render({tables[0]}, trawl::TableFormat::csv) == "rank,name,score\n1,\"a, \"\"quoted\"\"\",0.5\n2,b,\n");
  CHECK_THROWS_WITH(trawl::render(tables, trawl::TableFormat::csv), trawl::test::Contains("--table"));
}

TEST_CASE("JSON keeps numbers numbers and writes NaN as null", "[report]") {
  const std::string json = trawl::render({sample()[0]}, trawl::TableFormat::json);
  CHECK(json.find("\"rank\": 1,") != std::string::npos);
  CHECK(json.find("\"score\": 0.5") != std::string::npos);
  CHECK(json.find("\"score\": null") != std::string::npos);
  CHECK(json.find("\"name\": \"a, \\\"quoted\\\"\"") != std::string::npos);
}

TEST_CASE("the marginals table joins every marginal.<axis> table under an axis column", "[report]") {
  const auto picked = trawl::pick_table(sample(), "marginals");
  REQUIRE(picked.size() == 1);
  const trawl::Table& m = picked[0];
  CHECK(m.columns == std::vector<std::string>({"axis", "value", "done", "mean", "best", "seed_spread"}));
  REQUIRE(m.rows.size() == 2);
  CHECK(m.rows[0][0].text == "train.lr");
  CHECK(m.rows[0][1].text == "0.1");
  CHECK(m.rows[1][0].text == "train.optimizer");
  CHECK(m.rows[1][1].text == "sgd");
  CHECK(trawl::pick_table(sample(), "top")[0].name == "top");
  CHECK_THROWS_WITH(trawl::pick_table(sample(), "bottom"),
                    trawl::test::Contains("summary, top, marginals, importance, pareto, problems"));
  CHECK_THROWS_AS(trawl::parse_table_format("xml"), trawl::InputError);
}
