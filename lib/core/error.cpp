#include "core/error.hpp"

namespace trawl {

std::string SourcePos::str() const {
  if (!known()) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string located_text(const std::string& problem, const Location& where) {
  std::string text = where.pos.str();
  if (!text.empty()) text += ": ";
  text += problem;
  if (where.trial >= 0)
    text += " (trial " + std::to_string(where.trial) + (where.trial_label.empty() ? "" : ": " + where.trial_label) + ")";
  return text;
}

Location tensor_in(const std::string& file, const std::string& tensor, const std::string& key) {
  Location where;
  where.pos.file = file;
  where.tensor = tensor;
  where.key = key;
  return where;
}

InputError::InputError(const std::string& problem, Location where)
    : Error(located_text(problem, where)), problem_(problem), where_(std::move(where)) {}

InputError::InputError(const std::string& problem, std::string key)
    : InputError(problem, Location{{}, std::move(key), {}, -1, {}}) {}

InputError InputError::at(const SourcePos& pos) const {
  Location outer = where_;
  outer.pos = pos;
  if (where_.pos.file.empty()) return InputError(problem_, outer);
  // The inner position stays, after the outer one, as part of the problem.
  Location inner_only{where_.pos, {}, {}, -1, {}};
  return InputError(located_text(problem_, inner_only), outer);
}

InputError InputError::of_trial(std::int64_t trial, const std::string& label) const {
  Location where = where_;
  where.trial = trial;
  where.trial_label = label;
  return InputError(problem_, where);
}

InputError input_error_at(const SourcePos& pos, const std::string& message) {
  return InputError(message, Location{pos, {}, {}, -1, {}});
}

}  // namespace trawl
