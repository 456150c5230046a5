#include "text/jsonl_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <fstream>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace trawl {

namespace {

constexpr std::size_t block_lines = 4096;

struct Line {
  std::string text;
  std::int64_t number = 0;
  TokenizedExample example;
  std::exception_ptr error;
};

bool blank(const std::string& text) { return text.find_first_not_of(" \t\r") == std::string::npos; }

// Tokenizes a block on `threads` threads, each taking every threads-th line.
void tokenize_block(JsonlExamples& examples, std::vector<Line>& block, int threads) {
  auto work = [&](std::size_t first) {
    for (std::size_t i = first; i < block.size(); i += static_cast<std::size_t>(threads)) {
      try {
        block[i].example = examples.example(block[i].text, block[i].number);
      } catch (...) {
        block[i].error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, static_cast<std::size_t>(t));
  work(0);
  for (auto& thread : pool) thread.join();
}

}  // namespace

JsonlFileStats tokenize_jsonl_stream(const Tokenizer& tokenizer, std::istream& in, const std::string& name,
                                     std::int64_t max_length, int threads, const ExampleSink& sink,
                                     const ChatData* chat) {
  if (threads <= 0) threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  JsonlExamples examples(tokenizer, name, max_length, chat);
  JsonlFileStats stats{name};
  auto take = [&](const Line& line) {
    if (line.error) std::rethrow_exception(line.error);
    const TokenizedExample& e = line.example;
    ++stats.examples;
    stats.tokens += static_cast<std::int64_t>(e.input_ids.size());
    stats.trained += std::count_if(e.labels.begin(), e.labels.end(), [](std::int32_t l) { return l != ignored_label_id; });
    stats.longest = std::max<std::int64_t>(stats.longest, static_cast<std::int64_t>(e.input_ids.size()));
    sink(e, line.number);
  };
  std::vector<Line> block;
  std::string text;
  std::int64_t number = 0;
  bool first = true;
  while (std::getline(in, text)) {
    ++number;
    if (blank(text)) continue;
    if (first) {  // the first line fixes the file's format before the threads read it
      Line line{text, number, examples.example(text, number), nullptr};
      take(line);
      first = false;
      continue;
    }
    block.push_back(Line{std::move(text), number, {}, nullptr});
    if (block.size() < block_lines) continue;
    tokenize_block(examples, block, threads);
    for (const Line& line : block) take(line);
    block.clear();
  }
  if (in.bad()) throw input_error_at(SourcePos{name, 0, 0}, "reading failed");
  tokenize_block(examples, block, threads);
  for (const Line& line : block) take(line);
  return stats;
}

JsonlFileStats tokenize_jsonl_file(const Tokenizer& tokenizer, const std::string& path, int threads,
                                   const ExampleSink& sink, const ChatData* chat) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error_at(SourcePos{path, 0, 0}, "cannot read the file");
  const JsonlFileStats stats = tokenize_jsonl_stream(tokenizer, in, path, 0, threads, sink, chat);
  if (stats.examples == 0) throw input_error_at(SourcePos{path, 0, 0}, "holds no example (no non-blank line)");
  return stats;
}

std::int64_t tokenize_jsonl(const Tokenizer& tokenizer, std::istream& in, std::ostream& out, const std::string& name,
                            std::int64_t max_length, const ChatData* chat) {
  return tokenize_jsonl_stream(tokenizer, in, name, max_length, 0, [&](const TokenizedExample& e, std::int64_t) {
           nlohmann::json row{{"input_ids", e.input_ids}};
           if (!e.label)
             row["labels"] = e.labels;
           else if (e.label->integer)
             row["label"] = static_cast<std::int64_t>(e.label->value);
           else
             row["label"] = e.label->value;
           out << row.dump() << '\n';
         }, chat).examples;
}

}  // namespace trawl
