// lib/text: one JSON-lines file tokenized as a stream: blocks of lines are
// tokenized on several threads and handed on in file order, so memory stays
// bounded whatever the file's size.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "text/jsonl_examples.hpp"

namespace trawl {

struct JsonlFileStats {
  std::string file;
  std::int64_t examples = 0, tokens = 0, trained = 0, longest = 0;
};

using ExampleSink = std::function<void(const TokenizedExample& example, std::int64_t line)>;

// Every non-blank line of `path` through `sink`, in order; `threads` 0: the
// machine's cores. Throws InputError at file:line:column for the first bad
// line, and for a file that holds no example.
JsonlFileStats tokenize_jsonl_file(const Tokenizer& tokenizer, const std::string& path, int threads,
                                   const ExampleSink& sink);

}  // namespace trawl
