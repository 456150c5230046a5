#include "text/chat_turns.hpp"

#include <algorithm>

#include "text/jsonl_examples.hpp"

namespace trawl {

namespace {

using jinja::Value;
using Kind = Value::Kind;

// Appended to a turn's content to see where its end lands in a rendering:
// no template strips or splits on it (Python's str.strip leaves U+0001).
const char* const content_probe = "\x01";

void check_messages(const Value& messages, const SourcePos& where) {
  if (!messages.is(Kind::list)) throw input_error_at(where, "\"messages\" must be a list of {\"role\", \"content\"}");
  for (std::size_t i = 0; i < messages.list().size(); ++i) {
    const Value& m = messages.list()[i];
    const std::string which = "messages[" + std::to_string(i) + "]";
    if (!m.is(Kind::dict)) throw input_error_at(where, which + " must be an object {\"role\", \"content\"}");
    if (!m.get("role").is(Kind::string)) throw input_error_at(where, which + " has no string \"role\"");
    const Value content = m.get("content");
    if (!content.is(Kind::string) && !content.is(Kind::none))
      throw input_error_at(where, which + "'s \"content\" must be a string");
  }
}

std::size_t common_prefix(const std::string& a, std::size_t from, const std::string& b, std::size_t b_from = 0) {
  std::size_t n = 0;
  while (from + n < a.size() && b_from + n < b.size() && a[from + n] == b[b_from + n]) ++n;
  return n;
}

// The conversation's first `count` messages (message `probed`'s content with
// the probe appended, when it is one of them), rendered.
std::string render(const ChatTemplate& chat, ChatTemplate::Variables v, std::size_t count, bool prompt,
                   std::size_t probed = SIZE_MAX) {
  jinja::List messages(v.messages.list().begin(), v.messages.list().begin() + static_cast<std::ptrdiff_t>(count));
  if (probed < count && messages[probed].get("content").is(Kind::string)) {
    jinja::Dict copy = messages[probed].dict();
    messages[probed] = Value(std::move(copy));
    messages[probed].set("content", Value(messages[probed].get("content").string() + content_probe));
  }
  v.messages = Value(std::move(messages));
  v.add_generation_prompt = prompt;
  return chat.render(v);
}

// Where assistant message i's trained text ends in the whole rendering.
std::size_t turn_end(const ChatTemplate& chat, const ChatTemplate::Variables& v, const RenderedChat& out,
                     std::size_t i, std::size_t begin) {
  const std::string alone = render(chat, v, i + 1, false);
  const std::string turn = alone.compare(0, begin, out.text, 0, begin) == 0 ? alone.substr(begin) : std::string();
  std::size_t end = begin + common_prefix(out.text, begin, turn);
  if (!v.messages.list()[i].get("content").is(Kind::string)) return end;
  // The content's end, in the whole rendering and in the turn alone; after
  // it, as much of the turn's end-of-turn text as the whole rendering has.
  const std::size_t in_whole = common_prefix(out.text, 0, render(chat, v, v.messages.list().size(), false, i));
  const std::size_t in_alone = common_prefix(alone, 0, render(chat, v, i + 1, false, i));
  if (in_whole < begin || in_alone < begin) return end;
  return std::max(end, in_whole + common_prefix(out.text, in_whole, alone, in_alone));
}

}  // namespace

RenderedChat render_chat(const ChatTemplate& chat, const ChatTemplate::Variables& variables, const SourcePos& where) {
  check_messages(variables.messages, where);
  RenderedChat out;
  const jinja::List& messages = variables.messages.list();
  out.text = render(chat, variables, messages.size(), false);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].get("role").string() != "assistant") continue;
    const std::string prefix = render(chat, variables, i, true);
    if (out.text.compare(0, prefix.size(), prefix) != 0)
      throw input_error_at(where, "the chat template renders messages[0.." + std::to_string(i) +
                                      ") with the generation prompt as a text the whole conversation does not "
                                      "begin with, so messages[" + std::to_string(i) +
                                      "]'s trained tokens cannot be placed in it");
    out.assistant.push_back(TurnSpan{i, prefix.size(), turn_end(chat, variables, out, i, prefix.size())});
  }
  return out;
}

ChatTokens tokenize_chat(const Tokenizer& tokenizer, const RenderedChat& chat, bool train_all, const SourcePos& where) {
  ChatTokens out;
  out.input_ids = tokenizer.encode(chat.text, false);
  out.labels.assign(out.input_ids.size(), ignored_label_id);
  if (train_all) {
    out.labels = out.input_ids;
    return out;
  }
  const auto ends = tokenizer.token_ends(out.input_ids, chat.text);
  if (!ends)
    throw input_error_at(where, "this tokenizer's tokens do not spell the rendered conversation back (its normalizer "
                                "or decoder changes the text), so the assistant's tokens cannot be told apart: "
                                "set data.train_on = \"all\"");
  std::size_t begin = 0;
  for (std::size_t k = 0; k < out.input_ids.size(); ++k) {
    const std::size_t end = (*ends)[k];
    for (const TurnSpan& span : chat.assistant)
      if (begin < span.end && span.begin < end) out.labels[k] = out.input_ids[k];
    begin = end;
  }
  return out;
}

}  // namespace trawl
