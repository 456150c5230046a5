#include "args.hpp"

#include <cstdlib>

#include "core/text.hpp"

namespace trawl::cli {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& valued,
           const std::set<std::string>& switches) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      positional_.push_back(arg);
      continue;
    }
    std::string flag = arg, inline_value;
    bool has_inline = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      flag = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
      has_inline = true;
    }
    if (valued.count(flag)) {
      if (has_inline) values_[flag].push_back(inline_value);
      else if (i + 1 < argc) values_[flag].push_back(argv[++i]);
      else throw InputError(flag + " needs a value");
    } else if (switches.count(flag) && !has_inline) {
      switches_.insert(flag);
    } else {
      std::vector<std::string> known(valued.begin(), valued.end());
      known.insert(known.end(), switches.begin(), switches.end());
      throw InputError("unknown option " + flag + did_you_mean(flag, known) + " (see --help)");
    }
  }
}

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::values(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::int64_t> Args::integer(const std::string& flag) const {
  auto text = value(flag);
  if (!text) return std::nullopt;
  char* end = nullptr;
  long long v = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0') throw InputError(flag + " takes an integer, not '" + *text + "'");
  return v;
}

const std::string& Args::only_positional(const std::string& what) const {
  if (positional_.size() != 1)
    throw InputError(positional_.empty() ? "missing " + what : "expected one " + what + ", got " +
                                                                  std::to_string(positional_.size()) + " arguments");
  return positional_.front();
}

}  // namespace trawl::cli
