// lib/text: one JSON-lines file tokenized as a stream: blocks of lines are
// tokenized on several threads and handed on in file order, so memory stays
// bounded whatever the file's size.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <string>

#include "text/jsonl_examples.hpp"

namespace trawl {

struct JsonlFileStats {
  std::string file;
  std::int64_t examples = 0, tokens = 0, trained = 0, longest = 0;
};

using ExampleSink = std::function<void(const TokenizedExample& example, std::int64_t line)>;

// Every non-blank line of `in` through `sink`, in order, each cut to
// `max_length` tokens (0: none); `name` names the input in errors; `threads`
// 0: the machine's cores; `chat` renders {"messages"} lines (none: they are
// refused). Throws InputError at name:line:column for the first bad line.
JsonlFileStats tokenize_jsonl_stream(const Tokenizer& tokenizer, std::istream& in, const std::string& name,
                                     std::int64_t max_length, int threads, const ExampleSink& sink,
                                     const ChatData* chat = nullptr);
// The same for the file `path`, uncut; a file that holds no example is an
// InputError too.
JsonlFileStats tokenize_jsonl_file(const Tokenizer& tokenizer, const std::string& path, int threads,
                                   const ExampleSink& sink, const ChatData* chat = nullptr);

// `trawl tokenize`: every non-blank line of `in` as the JSON line
// {"input_ids": [...], "labels": [...]} on `out`. Returns the number of
// examples written.
std::int64_t tokenize_jsonl(const Tokenizer& tokenizer, std::istream& in, std::ostream& out, const std::string& name,
                            std::int64_t max_length, const ChatData* chat = nullptr);

}  // namespace trawl
