#include "text/jsonl_examples.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "text/utf8.hpp"

namespace trawl {

namespace {

// The line's 1-based column of byte offset `byte` (nlohmann counts bytes
// read, so the error's column is the byte after the bad one at most).
int column_of(std::size_t byte) { return static_cast<int>(byte == 0 ? 1 : byte); }

const char* format_name(JsonlFormat format) {
  return format == JsonlFormat::text ? "{\"text\": ...}" : "{\"prompt\": ..., \"completion\": ...}";
}

}  // namespace

JsonlExamples::JsonlExamples(const Tokenizer& tokenizer, std::string file, std::int64_t max_length)
    : tokenizer_(tokenizer), file_(std::move(file)), max_length_(max_length) {
  const auto eos = tokenizer.eos_id();
  if (!eos) {
    const std::string config = tokenizer.files().tokenizer_config;
    throw input_error_at(SourcePos{config.empty() ? tokenizer.files().tokenizer_json : config, 0, 0},
                         "names no eos_token, which ends every example (tokenizer_config.json's eos_token)");
  }
  eos_ = *eos;
}

TokenizedExample JsonlExamples::example(const std::string& text, std::int64_t line) {
  const auto at = [&](int column) { return SourcePos{file_, static_cast<int>(line), column}; };
  nlohmann::json row;
  try {
    row = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string why = e.what();
    if (const auto colon = why.find(": ", why.find("parse error")); colon != std::string::npos) why = why.substr(colon + 2);
    throw input_error_at(at(column_of(e.byte)), "not a JSON object: " + escape_invalid_utf8(why));
  }
  if (!row.is_object()) throw input_error_at(at(1), "each line must be a JSON object");
  if (row.contains("messages"))
    throw input_error_at(at(1), "{\"messages\": ...} lines are chat data, which trawl does not read yet: write "
                                "{\"text\": ...} or {\"prompt\": ..., \"completion\": ...} lines");
  const JsonlFormat format = row.contains("prompt") || row.contains("completion") ? JsonlFormat::prompt_completion
                                                                                 : JsonlFormat::text;
  if (format_ == JsonlFormat::unknown) format_ = format;
  if (format != format_)
    throw input_error_at(at(1), std::string("this line is ") + format_name(format) + " but the file's first line is " +
                                    format_name(format_) + ": one format per file");
  auto field = [&](const char* key) -> const std::string& {
    const auto found = row.find(key);
    if (found == row.end()) throw input_error_at(at(1), std::string("no \"") + key + "\" field");
    if (!found->is_string()) throw input_error_at(at(1), std::string("\"") + key + "\" must be a string");
    return found->get_ref<const std::string&>();
  };
  TokenizedExample out;
  std::size_t untrained = 0;
  if (format == JsonlFormat::text) {
    out.input_ids = tokenizer_.encode(field("text"));
  } else {
    const std::string& prompt = field("prompt");
    out.input_ids = tokenizer_.encode(prompt + field("completion"));
    untrained = tokenizer_.encode(prompt).size();
  }
  if (out.input_ids.empty() || out.input_ids.back() != eos_) out.input_ids.push_back(eos_);
  out.labels = out.input_ids;
  for (std::size_t i = 0; i < untrained && i < out.labels.size(); ++i) out.labels[i] = ignored_label_id;
  if (max_length_ > 0 && out.input_ids.size() > static_cast<std::size_t>(max_length_)) {
    out.input_ids.resize(static_cast<std::size_t>(max_length_));
    out.labels.resize(static_cast<std::size_t>(max_length_));
    out.cut = true;
  }
  return out;
}

}  // namespace trawl
