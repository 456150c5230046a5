#include "text/onig_regex.hpp"

#include <oniguruma.h>

#include <mutex>

#include "core/error.hpp"
#include "text/utf8.hpp"

namespace trawl {

namespace {

void initialise_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

struct RegionDeleter {
  void operator()(OnigRegion* region) const { onig_region_free(region, 1); }
};

}  // namespace

struct OnigPattern::Impl {
  regex_t* regex = nullptr;
};

OnigPattern::OnigPattern(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
  initialise_once();
  OnigErrorInfo info;
  const auto* begin = reinterpret_cast<const OnigUChar*>(pattern.data());
  const int rc = onig_new(&impl_->regex, begin, begin + pattern.size(), ONIG_OPTION_NONE, ONIG_ENCODING_UTF8,
                          ONIG_SYNTAX_RUBY, &info);
  if (rc != ONIG_NORMAL) {
    OnigUChar text[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(text, rc, &info);
    throw InputError("the pattern " + pattern + " does not compile: " + reinterpret_cast<const char*>(text));
  }
}

OnigPattern::~OnigPattern() {
  if (impl_->regex) onig_free(impl_->regex);
}

std::vector<std::pair<std::size_t, std::size_t>> OnigPattern::find_all(std::string_view text) const {
  std::vector<std::pair<std::size_t, std::size_t>> found;
  std::unique_ptr<OnigRegion, RegionDeleter> region(onig_region_new());
  const auto* str = reinterpret_cast<const OnigUChar*>(text.data());
  const OnigUChar* end = str + text.size();
  std::size_t from = 0;
  bool matched_before = false;
  std::size_t last_end = 0;
  while (from <= text.size()) {
    const int rc = onig_search(impl_->regex, str, end, str + from, end, region.get(), ONIG_OPTION_NONE);
    if (rc == ONIG_MISMATCH) break;
    if (rc < 0) throw Error("Oniguruma search failed (code " + std::to_string(rc) + ")");
    const auto start = static_cast<std::size_t>(region->beg[0]), stop = static_cast<std::size_t>(region->end[0]);
    if (start == stop && matched_before && last_end == stop) {
      // No empty match right after the last one: step one character on.
      if (from >= text.size()) break;
      from += utf8_length(static_cast<unsigned char>(text[from]));
      continue;
    }
    found.emplace_back(start, stop);
    matched_before = true;
    last_end = from = stop;
  }
  return found;
}

}  // namespace trawl
