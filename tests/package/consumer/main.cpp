// Uses trawl's public headers and library as an outside project would:
// parses a sweep from text and prints its grid, one trial per line.
#include <iostream>

#include "core/version.hpp"
#include "grid/grid.hpp"
#include "spec/parse.hpp"

int main() {
  const trawl::SweepSpec spec = trawl::parse_sweep_text(
      "[data]\npath = \"d.h5\"\n[grid]\ntrain.lr = [0.1, 0.01]\nmodel.hidden = [8, 16, 32]\n", "inline.toml", ".");
  const trawl::Grid grid(spec);
  std::cout << "trawl " << trawl::version() << " grid " << grid.size() << "\n";
  for (trawl::TrialId id = 0; id < grid.size(); ++id) std::cout << trawl::Grid::identity(grid.trial(id)).size() << "\n";
  return grid.size() == 6 ? 0 : 1;
}
