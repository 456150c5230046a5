// lib/text: training examples from JSON lines, one object per line and one
// format per file, tokenized with a model's own tokenizer as TRL does:
//   {"text": ...}                      tokens(text) + EOS, every token trained
//   {"prompt": ..., "completion": ...} tokens(prompt + completion) + EOS; the
//                                      first len(tokens(prompt)) not trained
//   {"text": ..., "label": ...}        a sequence classifier's row: tokens(text),
//                                      no EOS, and its label (a number)
//   {"messages": [...]}                chat data: the conversation rendered
//                                      with its chat template, tokens(rendering)
//                                      without added special tokens; trained:
//                                      the assistant's turns (chat_turns.hpp),
//                                      or all
// tokens() adds the tokenizer's special tokens; EOS is tokenizer_config.json's
// eos_token, not added twice. Rows longer than max_length are cut to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "text/chat_data.hpp"
#include "text/tokenizer.hpp"

namespace trawl {

// The label of a token no loss is taken on (Hugging Face's and PyTorch's).
constexpr std::int32_t ignored_label_id = -100;

enum class JsonlFormat { unknown, text, prompt_completion, labelled_text, messages };

// A row's label as the line wrote it.
struct RowLabel {
  double value = 0;
  bool integer = false;  // written as a JSON integer
};

struct TokenizedExample {
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> labels;  // input_ids, or ignored_label_id where not trained; none for labelled text
  std::optional<RowLabel> label;     // labelled text's
  bool cut = false;                  // it was longer than max_length
};

// Reads one file's lines in order: the first line fixes the file's format.
class JsonlExamples {
 public:
  // max_length 0: no cut. Rows of a language model throw InputError when
  // the tokenizer has no EOS; messages lines when `chat` has no template.
  JsonlExamples(const Tokenizer& tokenizer, std::string file, std::int64_t max_length,
                const ChatData* chat = nullptr);
  // Line `line` (1-based) of the file; InputError at file:line:column for
  // JSON that does not parse, a missing or non-string field, or a format
  // other than the first line's. The first call fixes the format; later
  // ones only read it, so they may run on several threads at once.
  TokenizedExample example(const std::string& text, std::int64_t line);
  JsonlFormat format() const { return format_; }

 private:
  void cut_to(TokenizedExample& example) const;  // to max_length
  TokenizedExample conversation(const nlohmann::ordered_json& messages, const SourcePos& at) const;
  std::int32_t eos() const;
  const Tokenizer& tokenizer_;
  std::string file_;
  std::int64_t max_length_;
  std::optional<std::int32_t> eos_;
  const ChatData* chat_;
  JsonlFormat format_ = JsonlFormat::unknown;
};

}  // namespace trawl
