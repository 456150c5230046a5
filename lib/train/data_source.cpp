#include "train/data_source.hpp"

#include <map>

#include "core/error.hpp"
#include "spec/metrics.hpp"
#include "train/dataset.hpp"

namespace trawl {

// Each kind's source, defined in its own file.
const DataSource& hdf5_source();    // data_hdf5.cpp
const DataSource& text_source();    // data_text.cpp
const DataSource& tokens_source();  // data_tokens.cpp
const DataSource& sft_source();     // data_sft.cpp
const DataSource& jsonl_source();   // data_jsonl.cpp

const DataSource& data_source(const std::string& kind) {
  static const std::map<std::string, const DataSource*> sources{
      {"hdf5", &hdf5_source()}, {"text", &text_source()}, {"tokens", &tokens_source()}, {"sft", &sft_source()},
      {"jsonl", &jsonl_source()}};
  const auto found = sources.find(kind);
  if (found == sources.end()) throw Error("no data source '" + kind + "' is registered (lib/train/data_source.cpp)");
  return *found->second;
}

// The metrics a task reports for two classes but not for this many (val.auc,
// val.precision, val.recall) cannot be ranked by or bounded.
void check_two_class_metrics(const SweepSpec& spec, int classes) {
  const std::vector<std::string> two = metric_names("classification", 2);
  const std::vector<std::string> these = metric_names("classification", classes);
  const auto two_class_only = [&](const std::string& metric) {
    return std::find(two.begin(), two.end(), metric) != two.end() &&
           std::find(these.begin(), these.end(), metric) == these.end();
  };
  const std::string& metric = spec.string("sweep.metric");
  if (two_class_only(metric))
    throw input_error_at(spec.pos("sweep.metric"),
                         "sweep.metric " + metric + " needs two classes; the data has " + std::to_string(classes));
  for (const Constraint& c : spec.constraints)
    if (two_class_only(c.metric))
      throw input_error_at(c.pos, "sweep.constraints: " + c.metric + " needs two classes; the data has " +
                                      std::to_string(classes));
}

std::int64_t largest_seq_len(const SweepSpec& spec) {
  std::int64_t longest = spec.integer("model.seq_len");
  if (const Axis* axis = spec.find_axis("model.seq_len"))
    for (const Value& v : axis->values) longest = std::max(longest, std::get<std::int64_t>(v));
  return longest;
}

torch::Tensor example_range(std::int64_t first, std::int64_t last) {
  return torch::arange(first, last, torch::kLong);
}

std::int64_t checked_seq_len(std::int64_t seq_len) {
  if (seq_len < 1) throw InputError("model.seq_len must be at least 1", "model.seq_len");
  return seq_len;
}

void check_windows(const DataView& view, const char* what, std::int64_t seq_len) {
  if (view.train_examples() >= 1 && view.val_examples() >= 1) return;
  throw InputError("model.seq_len " + std::to_string(seq_len) + " is longer than the " + what + " (" +
                       std::to_string(view.train_examples()) + " train and " + std::to_string(view.val_examples()) +
                       " val windows of seq_len + 1 tokens)",
                   "model.seq_len");
}

std::shared_ptr<LoadedData> load_data(const SweepSpec& spec, const DataCounts& counts) {
  return data_source(spec.string("data.kind")).load(spec, counts);
}

}  // namespace trawl
