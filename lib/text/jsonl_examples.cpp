#include "text/jsonl_examples.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "text/chat_turns.hpp"
#include "text/utf8.hpp"

namespace trawl {

namespace {

// The line's 1-based column of byte offset `byte` (nlohmann counts bytes
// read, so the error's column is the byte after the bad one at most).
int column_of(std::size_t byte) { return static_cast<int>(byte == 0 ? 1 : byte); }

const char* format_name(JsonlFormat format) {
  switch (format) {
    case JsonlFormat::text: return "{\"text\": ...}";
    case JsonlFormat::prompt_completion: return "{\"prompt\": ..., \"completion\": ...}";
    case JsonlFormat::messages: return "{\"messages\": [...]}";
    default: return "{\"text\": ..., \"label\": ...}";
  }
}

JsonlFormat format_of(const nlohmann::ordered_json& row) {
  if (row.contains("messages")) return JsonlFormat::messages;
  if (row.contains("prompt") || row.contains("completion")) return JsonlFormat::prompt_completion;
  return row.contains("label") ? JsonlFormat::labelled_text : JsonlFormat::text;
}

// A label is a number: a class id, or a regression target.
RowLabel label_of(const nlohmann::ordered_json& label, const SourcePos& at) {
  if (!label.is_number())
    throw input_error_at(at, "\"label\" must be a number (a class id 0, 1, ..., or a regression target), not " +
                                 escape_invalid_utf8(label.dump()));
  return RowLabel{label.get<double>(), label.is_number_integer()};
}

}  // namespace

JsonlExamples::JsonlExamples(const Tokenizer& tokenizer, std::string file, std::int64_t max_length,
                             const ChatData* chat)
    : tokenizer_(tokenizer), file_(std::move(file)), max_length_(max_length), eos_(tokenizer.eos_id()), chat_(chat) {}

// A conversation, rendered with the chat template; the template's own
// errors (raise_exception, a construct it cannot run) are placed at the line.
TokenizedExample JsonlExamples::conversation(const nlohmann::ordered_json& messages, const SourcePos& at) const {
  if (!chat_ || !chat_->chat)
    throw input_error_at(at, "{\"messages\": ...} lines are rendered with the model's chat template, and " +
                                 tokenizer_.files().tokenizer_json +
                                 " has none (no chat_template in tokenizer_config.json, no chat_template.jinja "
                                 "beside it): add a chat_template.jinja there (trawl tokenize: --chat-template FILE)");
  ChatTemplate::Variables v;
  v.messages = jinja::Value::from_json(messages);
  v.bos_token = chat_->bos_token;
  v.eos_token = chat_->eos_token;
  TokenizedExample out;
  try {
    const ChatTokens tokens = tokenize_chat(tokenizer_, render_chat(*chat_->chat, v, at), chat_->train_all, at);
    out.input_ids = tokens.input_ids;
    out.labels = tokens.labels;
  } catch (const InputError& e) {
    if (e.where().pos.file == at.file) throw;
    throw e.at(at);
  }
  cut_to(out);
  return out;
}

// A language model's rows end with EOS (a classifier's need none).
std::int32_t JsonlExamples::eos() const {
  if (eos_) return *eos_;
  const std::string config = tokenizer_.files().tokenizer_config;
  throw input_error_at(SourcePos{config.empty() ? tokenizer_.files().tokenizer_json : config, 0, 0},
                       "names no eos_token, which ends every example (tokenizer_config.json's eos_token)");
}

TokenizedExample JsonlExamples::example(const std::string& text, std::int64_t line) {
  const auto at = [&](int column) { return SourcePos{file_, static_cast<int>(line), column}; };
  nlohmann::ordered_json row;  // keys in the line's order, as a template's tojson writes them
  try {
    row = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::ordered_json::parse_error& e) {
    std::string why = e.what();
    if (const auto colon = why.find(": ", why.find("parse error")); colon != std::string::npos) why = why.substr(colon + 2);
    throw input_error_at(at(column_of(e.byte)), "not a JSON object: " + escape_invalid_utf8(why));
  }
  if (!row.is_object()) throw input_error_at(at(1), "each line must be a JSON object");
  const JsonlFormat format = format_of(row);
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
  if (format == JsonlFormat::messages) return conversation(row["messages"], at(1));
  TokenizedExample out;
  std::size_t untrained = 0;
  if (format == JsonlFormat::labelled_text) {
    out.input_ids = tokenizer_.encode(field("text"));
    out.label = label_of(row["label"], at(1));
    cut_to(out);
    return out;
  }
  if (format == JsonlFormat::text) {
    out.input_ids = tokenizer_.encode(field("text"));
  } else {
    const std::string& prompt = field("prompt");
    out.input_ids = tokenizer_.encode(prompt + field("completion"));
    untrained = tokenizer_.encode(prompt).size();
  }
  if (out.input_ids.empty() || out.input_ids.back() != eos()) out.input_ids.push_back(eos());
  out.labels = out.input_ids;
  for (std::size_t i = 0; i < untrained && i < out.labels.size(); ++i) out.labels[i] = ignored_label_id;
  cut_to(out);
  return out;
}

void JsonlExamples::cut_to(TokenizedExample& example) const {
  const auto longest = static_cast<std::size_t>(max_length_);
  if (max_length_ <= 0 || example.input_ids.size() <= longest) return;
  example.input_ids.resize(longest);
  if (!example.labels.empty()) example.labels.resize(longest);
  example.cut = true;
}

}  // namespace trawl
