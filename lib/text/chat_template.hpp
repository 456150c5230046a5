// lib/text: a checkpoint's chat template (tokenizer_config.json's
// `chat_template`, or chat_template.jinja), rendered as transformers'
// apply_chat_template renders it: Jinja with trim_blocks and lstrip_blocks,
// the loop controls, and the variables messages, bos_token, eos_token and
// add_generation_prompt. The interpreter knows what real chat templates use
// (docs/llm.md lists it); a template using anything else is refused when it
// is read or when that part renders, naming the construct and its line and
// column in the template (InputError, exit 2).
#pragma once

#include <memory>
#include <string>

#include "text/jinja_value.hpp"

namespace trawl {

namespace jinja {
struct Stmt;
}

class ChatTemplate {
 public:
  // `name`: where the template came from, for messages ("tokenizer_config.json").
  ChatTemplate(const std::string& source, const std::string& name);
  ~ChatTemplate();
  ChatTemplate(ChatTemplate&&) noexcept;
  ChatTemplate& operator=(ChatTemplate&&) noexcept;

  struct Variables {
    jinja::Value messages;  // a list of {"role", "content", ...} dicts
    std::string bos_token, eos_token;
    bool add_generation_prompt = false;
    jinja::Dict extra;  // any other variable (tools, ...)
  };
  std::string render(const Variables& variables) const;

 private:
  std::string name_;
  std::shared_ptr<std::vector<std::unique_ptr<jinja::Stmt>>> body_;
};

}  // namespace trawl
