// data.kind = "tokens": llm.c token shards (train/token_data.hpp), one glob
// or file each for data.train_file and data.val_file; the same windows as
// text, over tokens, never crossing a shard.
#include <algorithm>
#include <optional>

#include "train/data_source.hpp"
#include "train/dataset.hpp"
#include "train/token_data.hpp"

namespace trawl {

namespace {

// Every shard holds tokens, every id fits the vocabulary, and the split has
// at least one window of seq_len + 1 tokens (windows do not cross shards).
void check_token_shards(const std::vector<TokenShard>& shards, const std::string& key, std::int64_t vocab_size,
                        std::int64_t seq_len, std::int64_t& tokens, std::int64_t& windows) {
  std::string lengths;
  for (const TokenShard& shard : shards) {
    if (shard.tokens() == 0) throw InputError(key + ": " + shard.path() + " holds no tokens");
    shard.check_vocabulary(vocab_size);
    tokens += shard.tokens();
    windows += (shard.tokens() - 1) / std::max<std::int64_t>(1, seq_len);
    lengths += (lengths.empty() ? "" : ", ") + shard.path() + " holds " + std::to_string(shard.tokens());
  }
  if (windows == 0)
    throw InputError(key + ": no shard holds a window of model.seq_len + 1 = " + std::to_string(seq_len + 1) +
                     " tokens (" + lengths + ")");
}

class TokenView : public DataView {
 public:
  TokenView(const std::vector<TokenShard>& train, const std::vector<TokenShard>& val, std::int64_t seq_len)
      : train_(train, checked_seq_len(seq_len)), val_(val, seq_len) {
    tokens_per_example_ = seq_len;
    train_examples_ = train_.size();
    val_examples_ = val_.size();
    check_windows(*this, "token shards", seq_len);
  }
  Batch train(const torch::Tensor& examples) const override {
    auto [x, y] = train_.read(examples);
    return Batch{x, y};
  }
  Batch val(std::int64_t first, std::int64_t last) const override {
    auto [x, y] = val_.read(example_range(first, last));
    return Batch{x, y};
  }

 private:
  TokenWindows train_, val_;
};

class TokenData : public LoadedData {
 public:
  explicit TokenData(const SweepSpec& spec)
      : train_(open_token_shards(spec.resolve_path(spec.string("data.train_file")), "data.train_file")),
        val_(open_token_shards(spec.resolve_path(spec.string("data.val_file")), "data.val_file")) {}
  std::unique_ptr<DataView> view(std::int64_t seq_len) const override {
    return std::make_unique<TokenView>(train_, val_, seq_len);
  }

 private:
  std::vector<TokenShard> train_, val_;
};

// Every shard readable, every id inside the model's vocabulary (a stray id
// would index past the embedding on every trial).
class TokenSource : public DataSource {
 public:
  DataShape inspect(const SweepSpec& spec) const override {
    const CausalLmConfig config = model_config(spec);
    DataShape shape;
    shape.outputs = config.vocab_size;
    shape.seq_len = largest_seq_len(spec);
    for (const char* key : {"data.train_file", "data.val_file"}) {
      const bool train = std::string(key) == "data.train_file";
      try {
        check_token_shards(open_token_shards(spec.resolve_path(spec.string(key)), key), key, config.vocab_size,
                           shape.seq_len, train ? shape.train_rows : shape.val_rows,
                           train ? shape.train_windows : shape.val_windows);
      } catch (const InputError& e) {
        throw e.at(spec.pos(key));
      }
    }
    return shape;
  }
  std::string summary(const DataShape& data) const override {
    return std::to_string(data.train_rows) + " train / " + std::to_string(data.val_rows) + " val tokens, " +
           std::to_string(data.train_windows) + " / " + std::to_string(data.val_windows) + " windows of " +
           std::to_string(data.seq_len + 1) + " tokens (model.seq_len " + std::to_string(data.seq_len) + ")";
  }
  std::shared_ptr<LoadedData> load(const SweepSpec& spec, const DataCounts&) const override { return std::make_shared<TokenData>(spec); }
};

}  // namespace

const DataSource& tokens_source() {
  static const TokenSource source;
  return source;
}

}  // namespace trawl
