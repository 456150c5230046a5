// Tokenizing speed of lib/text: MB/s of `trawl`'s Tokenizer::encode over the
// lines of a text file on one thread, and on N threads (each its own share
// of the lines, as the JSON-lines cache is made). Prints one line per run:
//   threads=1 bytes=3900000 seconds=1.9 MB/s=2.05 tokens=812345
// usage: tokenize_bench MODEL_DIR TEXT_FILE [THREADS...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "text/tokenizer.hpp"

namespace {

struct Run {
  double seconds = 0;
  long long tokens = 0;
};

Run encode_all(const trawl::Tokenizer& tokenizer, const std::vector<std::string>& lines, int threads) {
  std::vector<long long> counts(static_cast<std::size_t>(threads), 0);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < lines.size(); i += static_cast<std::size_t>(threads))
        counts[static_cast<std::size_t>(t)] += static_cast<long long>(tokenizer.encode(lines[i], false).size());
    });
  for (auto& thread : pool) thread.join();
  Run run{std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 0};
  for (long long c : counts) run.tokens += c;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: tokenize_bench MODEL_DIR TEXT_FILE [THREADS...]\n";
    return 2;
  }
  try {
    const trawl::Tokenizer tokenizer = trawl::Tokenizer::from_dir(argv[1]);
    std::ifstream in(argv[2], std::ios::binary);
    std::vector<std::string> lines;
    std::size_t bytes = 0;
    for (std::string line; std::getline(in, line);) {
      bytes += line.size();
      lines.push_back(std::move(line));
    }
    std::vector<int> threads;
    for (int i = 3; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
    if (threads.empty()) threads.push_back(1);
    for (int n : threads) {
      // A fresh tokenizer per run: its word cache starts empty, as the Rust library's does.
      const trawl::Tokenizer fresh = trawl::Tokenizer::from_dir(argv[1]);
      const Run run = encode_all(fresh, lines, n);
      std::printf("threads=%d bytes=%zu seconds=%.3f MB/s=%.3f tokens=%lld\n", n, bytes, run.seconds,
                  static_cast<double>(bytes) / 1e6 / run.seconds, run.tokens);
    }
  } catch (const std::exception& e) {
    std::cerr << "tokenize_bench: " << e.what() << "\n";
    return 1;
  }
}
