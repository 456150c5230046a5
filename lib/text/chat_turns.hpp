// lib/text: a conversation rendered with its chat template, and where each
// assistant turn's trained text lies in that rendering R (docs/llm.md, "Chat
// data"). For assistant message i, with P_i the rendering of messages[:i]
// with the generation prompt and T_i what rendering messages[:i+1] adds
// beyond P_i (the turn rendered as the last one: its content and end-of-turn
// text):
//   - the span starts at len(P_i): R must begin with P_i (a template that
//     renders earlier messages differently once a later one follows, there,
//     is refused, naming the message);
//   - it ends at the later of: the end of the longest common prefix of T_i
//     and R from the start (all of T_i where R has the turn as T_i has it);
//     and the end of the turn's content in R followed by as much of T_i's
//     end-of-turn text as R has there. The content's end is found by
//     rendering the conversation again with one control character appended
//     to that content: the first byte where the two renderings differ.
// So a template that renders every turn alike (DeepSeek-V3, Llama 3) trains
// exactly T_i; one that renders a turn differently once a user message
// follows (Qwen3 drops the <think> block of all but the last turns) trains
// the turn as the whole rendering has it: content and <|im_end|>.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "text/chat_template.hpp"
#include "text/tokenizer.hpp"

namespace trawl {

struct TurnSpan {
  std::size_t message = 0;         // index into messages
  std::size_t begin = 0, end = 0;  // byte offsets into the rendering
};

struct RenderedChat {
  std::string text;                 // the whole conversation, no generation prompt
  std::vector<TurnSpan> assistant;  // one per assistant message, in order
};

// `variables.messages` must be a list of dicts with a string "role" and a
// string (or null) "content"; InputError at `where` naming the message
// otherwise, or when the template does not render a prefix of the
// conversation as the whole conversation begins.
RenderedChat render_chat(const ChatTemplate& chat, const ChatTemplate::Variables& variables, const SourcePos& where);

// The rendering's tokens (the tokenizer on the whole text, no special tokens
// added: the template wrote them) and their labels: a token's own id where
// it overlaps an assistant span (all of them with `train_all`), else
// ignored_label_id. InputError at `where` when the tokens cannot be placed
// in the text (Tokenizer::token_ends) and spans must be.
struct ChatTokens {
  std::vector<std::int32_t> input_ids, labels;
};
ChatTokens tokenize_chat(const Tokenizer& tokenizer, const RenderedChat& chat, bool train_all, const SourcePos& where);

}  // namespace trawl
