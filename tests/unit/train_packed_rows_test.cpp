#include <torch/torch.h>
// glog, through torch, defines CHECK; these tests mean Catch's.
#undef CHECK
#include "catch_support.hpp"

#include "core/error.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/packed_rows.hpp"
#include "train/token_data.hpp"

using Rows = std::vector<std::vector<std::int64_t>>;

TEST_CASE("examples are packed best-fit decreasing: the longest first, each where it fits tightest", "[train]") {
  const std::vector<std::int64_t> lengths{5, 3, 8, 2, 6, 1};
  // 8 fills a row; 6 starts one (room 2); 5 starts one (room 3); 3 fills
  // that; 2 fills the 6's; 1 starts a fourth.
  CHECK(trawl::pack_examples(lengths, 8) == Rows{{2}, {4, 3}, {0, 1}, {5}});
  CHECK(trawl::pack_examples(lengths, 8) == trawl::pack_examples(lengths, 8));
  CHECK(trawl::pack_examples({}, 8).empty());
  CHECK_THROWS_AS(trawl::pack_examples({9}, 8), trawl::Error);

  const trawl::PaddingShare share = trawl::padding_share(lengths, 8);
  CHECK(share.tokens == 25);
  CHECK(share.rows == 6);
  CHECK(share.width == 8);
  CHECK(share.packed_rows == 4);
  CHECK(share.unpacked() == Approx(1 - 25.0 / 48));
  CHECK(share.packed() == Approx(1 - 25.0 / 32));
  // Cut to a seq_len of 4, the 5, 8 and 6 are 4 each.
  CHECK(trawl::padding_share(lengths, 4).tokens == 18);
}

TEST_CASE("a packed view's training rows join whole examples, each with its own positions and targets", "[train]") {
  // Three examples of 3, 2 and 4 tokens, padded to 4 (ids 0, targets -100).
  trawl::SftSplit train{torch::tensor({{11, 12, 13, 0}, {21, 22, 0, 0}, {31, 32, 33, 34}}),
                        torch::tensor({{12, 13, -100, -100}, {-100, -100, -100, -100}, {32, 33, 34, -100}})};
  train.targets[1][0] = 22;
  const trawl::SftSplit val = train;
  auto view = trawl::make_packed_sft_view(train, {3, 2, 4}, val, 5);
  // Best fit into rows of 5: [4] then [3, 2].
  REQUIRE(view->train_examples() == 2);
  CHECK(view->tokens_per_example() == 5);
  CHECK(view->val_examples() == 3);
  CHECK(view->val_tokens_per_example() == 4);
  const trawl::Batch b = view->train(torch::tensor({1, 0}));
  CHECK(torch::equal(b.x, torch::tensor({{11, 12, 13, 21, 22}, {31, 32, 33, 34, 0}})));
  CHECK(torch::equal(b.y, torch::tensor({{12, 13, -100, 22, -100}, {32, 33, 34, -100, -100}})));
  CHECK(torch::equal(b.positions, torch::tensor({{0, 1, 2, 0, 1}, {0, 1, 2, 3, 0}})));
  CHECK(view->train_targets(torch::tensor({0, 1})) == 6);
  // Validation rows stay one example each.
  CHECK(!view->val(0, 3).positions.defined());
  CHECK(view->val(0, 3).x.size(0) == 3);
}
