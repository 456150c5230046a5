// lib/train: JSON lines (data.kind = "jsonl") tokenized once per sweep into
// <sweep.dir>/data/<hash>/, the hash covering the files' contents, the
// tokenizer's files and the cache's format: rank 0 makes it (in a folder of
// its own, renamed into place, so a crash or a second maker leaves no half
// cache), every rank maps it, a resumed or requeued run reuses it, and a
// changed file or tokenizer makes a new one. Per split: <split>.input_ids and
// <split>.labels (int32, the rows one after another), <split>.offsets
// (int64, rows + 1), and stats.json (per file: its rows, tokens, trained
// tokens, longest row). Labelled rows ({"text", "label"}, a classifier's)
// have <split>.row_labels (float64, one per row) instead of .labels, and
// stats.json their largest label.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/sweep_spec.hpp"

namespace trawl {

struct JsonlFileSummary {
  std::string split, file;
  std::int64_t first_row = 0, examples = 0, tokens = 0, trained = 0, longest = 0;
  double largest_label = 0;  // labelled rows'
};

struct JsonlCache {
  std::string name;  // the hash: the folder's name in <sweep.dir>/data/
  std::string dir;
  std::vector<JsonlFileSummary> files;
};

// The folder of the sweep's tokenizer: data.tokenizer, else model.path.
std::string tokenizer_dir(const SweepSpec& spec);

// The sweep's cache, made first when missing; InputError at file:line:column
// for a bad line, for a token id not below `vocab_size` (a tokenizer that
// does not match the model), for rows that do not fit data.task (labelled
// rows train a classifier, others a language model) and for a label that is
// not one of data.task's (train/labelled_rows.hpp).
JsonlCache ensure_jsonl_cache(const SweepSpec& spec, std::int64_t vocab_size);
// The cache `name` of the sweep, as rank 0 made it (Error when missing).
JsonlCache open_jsonl_cache(const SweepSpec& spec, const std::string& name);

}  // namespace trawl
