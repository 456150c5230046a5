#include "catch_support.hpp"

#include <nlohmann/json.hpp>

#include "text/chat_turns.hpp"

namespace {

trawl::RenderedChat turns(const std::string& source, const std::string& messages_json) {
  trawl::ChatTemplate::Variables v;
  v.messages = trawl::jinja::Value::from_json(nlohmann::ordered_json::parse(messages_json));
  return trawl::render_chat(trawl::ChatTemplate(source, "t.jinja"), v, trawl::SourcePos{"chat.jsonl", 7, 1});
}

std::string refusal(const std::string& source, const std::string& messages_json) {
  try {
    turns(source, messages_json);
  } catch (const trawl::InputError& e) {
    return e.what();
  }
  return "(rendered)";
}

const std::string chatml =
    "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}";

}  // namespace

TEST_CASE("an assistant turn's span is its content and end-of-turn text, not the prompt's header", "[text][jinja]") {
  const trawl::RenderedChat chat = turns(chatml, R"([{"role": "user", "content": "q1"},
      {"role": "assistant", "content": "a1"}, {"role": "user", "content": "q2"},
      {"role": "assistant", "content": ""}])");
  CHECK(chat.text == "<|user|>q1<|end|>\n<|assistant|>a1<|end|>\n<|user|>q2<|end|>\n<|assistant|><|end|>\n");
  REQUIRE(chat.assistant.size() == 2);
  CHECK(chat.assistant[0].message == 1);
  CHECK(chat.text.substr(chat.assistant[0].begin, chat.assistant[0].end - chat.assistant[0].begin) == "a1<|end|>\n");
  CHECK(chat.text.substr(chat.assistant[1].begin, chat.assistant[1].end - chat.assistant[1].begin) == "<|end|>\n");
}

TEST_CASE("a turn rendered differently once a question follows is trained as the whole conversation has it",
          "[text][jinja]") {
  // Like Qwen3: the reasoning is shown only on the last turn.
  const std::string source =
      "{% for m in messages %}<|{{ m.role }}|>{% if m.role == 'assistant' and not loop.last %}"
      "{{ m.content.split('</think>')[-1] }}{% else %}{{ m.content }}{% endif %}<|end|>{% endfor %}"
      "{% if add_generation_prompt %}<|assistant|>{% endif %}";
  const trawl::RenderedChat chat = turns(source, R"([{"role": "user", "content": "q1"},
      {"role": "assistant", "content": "<think>r</think>a1"}, {"role": "user", "content": "q2"}])");
  REQUIRE(chat.assistant.size() == 1);
  CHECK(chat.text.substr(chat.assistant[0].begin, chat.assistant[0].end - chat.assistant[0].begin) == "a1<|end|>");
}

TEST_CASE("chat data that cannot be placed is refused at its line", "[text][jinja]") {
  CHECK(refusal(chatml, R"({"role": "user"})").find("chat.jsonl:7:1: \"messages\" must be a list") !=
        std::string::npos);
  CHECK(refusal(chatml, R"([{"content": "x"}])").find("messages[0] has no string \"role\"") != std::string::npos);
  CHECK(refusal(chatml, R"([{"role": "user", "content": 3}])").find("messages[0]'s \"content\" must be a string") !=
        std::string::npos);
  // Newest message first: no prefix of the conversation renders as it begins.
  const std::string reversed = "{% for m in messages[::-1] %}{{ m.content }};{% endfor %}";
  CHECK(refusal(reversed, R"([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}])")
            .find("messages[1]'s trained tokens cannot be placed") != std::string::npos);
}
