// lib/text: a compiled Oniguruma pattern, the engine Hugging Face's
// tokenizers use (Ruby syntax, UTF-8), owned by one RAII type.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trawl {

class OnigPattern {
 public:
  // Throws InputError naming the pattern when it does not compile.
  explicit OnigPattern(const std::string& pattern);
  ~OnigPattern();
  OnigPattern(const OnigPattern&) = delete;
  OnigPattern& operator=(const OnigPattern&) = delete;

  // Every match in `text`, left to right, as the Rust onig crate's
  // find_iter yields them: [start, end) byte offsets; an empty match right
  // after the previous one is skipped.
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trawl
