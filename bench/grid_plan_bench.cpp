// Plans a 10^7-point grid with exclusions (as `trawl plan` does: parse,
// count, decode trials) and compares time and memory against the obvious
// reference: walk the whole product, test each point against the
// exclusions, and keep the surviving points' indices.
//
// usage: grid_plan_bench [points-per-axis-scale]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "grid/grid.hpp"
#include "spec/parse.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

const char* const sweep = R"([data]
path = "unused.h5"
[sweep]
seeds = [0, 1]
[grid]
train.lr = {logspace = [1e-5, 1e-1, 10]}
train.weight_decay = {linspace = [0, 0.1, 10]}
train.batch_size = {range = [8, 88, 8]}
model.hidden = {range = [16, 176, 16]}
model.layers = {range = [1, 11]}
train.warmup_steps = {range = [0, 500, 100]}
train.optimizer = ["adamw", "sgd"]
train.eval_every = [50, 100, 200, 250, 500]
[[exclude]]
train.optimizer = "sgd"
train.lr = [1e-5, 1e-1]
[[exclude]]
model.layers = 10
model.hidden = [16, 32]
)";

}  // namespace

int main() {
  const long rss_start = peak_rss_kib();
  auto start = std::chrono::steady_clock::now();
  trawl::SweepSpec spec = trawl::parse_sweep_text(sweep, "bench.toml", ".");
  trawl::Grid grid(spec);
  // Decode a sample of trials, as plan and run do for their share.
  std::mt19937_64 rng(1);
  std::int64_t checksum = 0;
  constexpr int samples = 100000;
  for (int i = 0; i < samples; ++i)
    checksum += static_cast<std::int64_t>(grid.position(static_cast<std::int64_t>(rng() % grid.size())).index[4]);
  const double trawl_seconds = seconds_since(start);
  const long rss_trawl = peak_rss_kib();

  // Reference: materialise the surviving points of the full product.
  start = std::chrono::steady_clock::now();
  std::vector<std::int64_t> survivors;
  const auto& dims = grid.dimensions();
  std::vector<std::size_t> index(dims.size(), 0);
  for (std::int64_t p = 0; p < grid.full_size(); ++p) {
    bool excluded = false;
    for (const auto& exclusion : spec.exclusions) {
      bool all = true;
      for (const auto& [key, values] : exclusion.match) {
        for (std::size_t d = 0; d < dims.size(); ++d) {
          if (dims[d].axes[0].key != key) continue;
          bool any = false;
          for (const auto& v : values) any = any || trawl::same_value(dims[d].axes[0].values[index[d]], v);
          all = all && any;
        }
      }
      excluded = excluded || all;
    }
    if (!excluded) survivors.push_back(p);
    for (std::size_t d = dims.size(); d-- > 0;) {
      if (++index[d] < dims[d].size()) break;
      index[d] = 0;
    }
  }
  const double naive_seconds = seconds_since(start);
  const long rss_naive = peak_rss_kib();

  std::printf("grid: %lld points, %lld trials after exclusions (reference agrees: %s)\n",
              static_cast<long long>(grid.full_size()), static_cast<long long>(grid.size()),
              static_cast<std::int64_t>(survivors.size()) == grid.size() ? "yes" : "NO");
  std::printf("trawl plan:  %.4f s (parse, count, %d trial decodes), peak RSS +%ld KiB\n", trawl_seconds, samples,
              rss_trawl - rss_start);
  std::printf("reference:   %.4f s (walk and filter the product), peak RSS +%ld KiB\n", naive_seconds,
              rss_naive - rss_trawl);
  std::printf("ratio time trawl/reference: %.5f\n", trawl_seconds / naive_seconds);
  std::printf("ratio memory trawl/reference: %.5f\n",
              static_cast<double>(rss_trawl - rss_start) / static_cast<double>(std::max(1L, rss_naive - rss_trawl)));
  std::printf("(checksum %lld)\n", static_cast<long long>(checksum));
  return static_cast<std::int64_t>(survivors.size()) == grid.size() ? 0 : 1;
}
