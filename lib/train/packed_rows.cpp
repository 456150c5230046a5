#include "train/packed_rows.hpp"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/error.hpp"
#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/token_data.hpp"

namespace trawl {

std::vector<std::vector<std::int64_t>> pack_examples(const std::vector<std::int64_t>& lengths,
                                                     std::int64_t capacity) {
  std::vector<std::size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
  std::vector<std::vector<std::int64_t>> rows;
  // Rows by room left; of equal room the one that had it first (a multimap
  // keeps equal keys in insertion order), so the rows depend on lengths only.
  std::multimap<std::int64_t, std::size_t> room;
  for (std::size_t example : order) {
    const std::int64_t length = lengths[example];
    if (length < 1 || length > capacity)
      throw Error("pack_examples: example " + std::to_string(example) + " has " + std::to_string(length) +
                  " tokens, not 1 to " + std::to_string(capacity));
    auto fits = room.lower_bound(length);
    std::size_t row = rows.size();
    std::int64_t left = capacity;
    if (fits == room.end()) {
      rows.emplace_back();
    } else {
      row = fits->second;
      left = fits->first;
      room.erase(fits);
    }
    rows[row].push_back(static_cast<std::int64_t>(example));
    if (left > length) room.emplace(left - length, row);
  }
  return rows;
}

double PaddingShare::unpacked() const {
  return rows ? 1.0 - static_cast<double>(tokens) / static_cast<double>(rows * width) : 0.0;
}

double PaddingShare::packed() const {
  return packed_rows ? 1.0 - static_cast<double>(tokens) / static_cast<double>(packed_rows * packed_width) : 0.0;
}

namespace {

// Each example cut to `seq_len`; empty ones (no token to train) left out.
std::vector<std::int64_t> cut_lengths(const std::vector<std::int64_t>& lengths, std::int64_t seq_len,
                                      std::vector<std::int64_t>* kept = nullptr) {
  std::vector<std::int64_t> cut;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] < 1) continue;
    cut.push_back(std::min(lengths[i], seq_len));
    if (kept) kept->push_back(static_cast<std::int64_t>(i));
  }
  return cut;
}

std::int64_t fullest(const std::vector<std::vector<std::int64_t>>& rows, const std::vector<std::int64_t>& lengths) {
  std::int64_t widest = 1;
  for (const auto& row : rows) {
    std::int64_t fill = 0;
    for (std::int64_t e : row) fill += lengths[static_cast<std::size_t>(e)];
    widest = std::max(widest, fill);
  }
  return widest;
}

}  // namespace

PaddingShare padding_share(const std::vector<std::int64_t>& lengths, std::int64_t seq_len) {
  PaddingShare share;
  const std::vector<std::int64_t> cut = cut_lengths(lengths, seq_len);
  share.rows = static_cast<std::int64_t>(lengths.size());
  share.tokens = std::accumulate(cut.begin(), cut.end(), std::int64_t{0});
  share.width = cut.empty() ? 1 : *std::max_element(cut.begin(), cut.end());
  const auto rows = pack_examples(cut, seq_len);
  share.packed_rows = static_cast<std::int64_t>(rows.size());
  share.packed_width = fullest(rows, cut);
  return share;
}

namespace {

// Training rows packed; validation rows as SFT rows are.
class PackedSftView : public DataView {
 public:
  PackedSftView(const SftSplit& train, const std::vector<std::int64_t>& lengths, const SftSplit& val,
                std::int64_t seq_len)
      : train_(train), val_(val) {
    // Each example cut to seq_len (its padded row is no wider), rows of seq_len.
    const std::int64_t t = checked_seq_len(seq_len);
    std::vector<std::int64_t> examples;  // a packed example's row in `train`
    const std::vector<std::int64_t> cut = cut_lengths(lengths, std::min(t, train.input_ids.size(1)), &examples);
    const auto rows = pack_examples(cut, t);
    tokens_per_example_ = fullest(rows, cut);
    // Where each packed token comes from in train's flattened rows (-1: padding).
    torch::Tensor from = torch::full({static_cast<std::int64_t>(rows.size()), tokens_per_example_}, -1, torch::kLong);
    torch::Tensor positions = torch::zeros_like(from);
    auto from_at = from.accessor<std::int64_t, 2>();
    auto position_at = positions.accessor<std::int64_t, 2>();
    const std::int64_t width = train.input_ids.size(1);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      std::int64_t at = 0;
      for (std::int64_t e : rows[r])
        for (std::int64_t i = 0; i < cut[static_cast<std::size_t>(e)]; ++i, ++at) {
          from_at[static_cast<std::int64_t>(r)][at] = examples[static_cast<std::size_t>(e)] * width + i;
          position_at[static_cast<std::int64_t>(r)][at] = i;
        }
    }
    from_ = from.to(train.input_ids.device());
    positions_ = positions.to(train.input_ids.device());
    train_examples_ = static_cast<std::int64_t>(rows.size());
    val_examples_ = val.input_ids.size(0);
    val_width_ = std::min(t, val.input_ids.size(1));
    // Counted once: every step divides its loss by its rows' trained tokens.
    trained_ = this->train(example_range(0, train_examples_)).y.ne(ignored_label).sum(1);
  }
  std::int64_t val_tokens_per_example() const override { return val_width_; }
  Batch train(const torch::Tensor& examples) const override {
    const torch::Tensor rows = examples.to(from_.device());
    const torch::Tensor from = from_.index_select(0, rows);
    const torch::Tensor padding = from.lt(0), flat = from.clamp_min(0).flatten();
    auto gather = [&](const torch::Tensor& split, std::int64_t pad) {
      return split.flatten().index_select(0, flat).view_as(from).masked_fill(padding, pad);
    };
    return Batch{gather(train_.input_ids, 0), gather(train_.targets, ignored_label), {},
                 positions_.index_select(0, rows)};
  }
  Batch val(std::int64_t first, std::int64_t last) const override {
    return Batch{val_.input_ids.slice(0, first, last).narrow(1, 0, val_width_),
                 val_.targets.slice(0, first, last).narrow(1, 0, val_width_)};
  }
  // Only the trained tokens count: prompts and padding do not.
  std::int64_t train_targets(const torch::Tensor& examples) const override {
    return trained_.index_select(0, examples.to(trained_.device())).sum().item<std::int64_t>();
  }
  std::int64_t train_targets(std::int64_t first, std::int64_t last) const override {
    return train_targets(example_range(first, last));
  }

 private:
  const SftSplit &train_, &val_;
  torch::Tensor from_, positions_;
  torch::Tensor trained_;  // each packed row's trained tokens
  std::int64_t val_width_ = 0;
};

}  // namespace

std::unique_ptr<DataView> make_packed_sft_view(const SftSplit& train, const std::vector<std::int64_t>& train_lengths,
                                               const SftSplit& val, std::int64_t seq_len) {
  return std::make_unique<PackedSftView>(train, train_lengths, val, seq_len);
}

}  // namespace trawl
