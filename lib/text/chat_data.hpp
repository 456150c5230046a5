// lib/text: what a conversation line ({"messages": [...]}) is rendered and
// trained with: the chat template (a file given for the sweep, else the
// model's own: tokenizer_config.json's chat_template, else
// chat_template.jinja beside it), the model's bos_token and eos_token as
// text, and which tokens train (the assistant's turns, or all).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "text/chat_template.hpp"
#include "text/tokenizer.hpp"

namespace trawl {

struct ChatData {
  std::shared_ptr<const ChatTemplate> chat;  // none: the model has no template
  std::string where;                         // the template's file, for messages
  std::string source;                        // its text (part of a cache's identity)
  std::string bos_token, eos_token;
  bool train_all = false;
};

// `template_file` "" : the model's own template, if it has one. InputError
// naming the file for one that cannot be read or parsed.
ChatData chat_data_of(const TokenizerFiles& files, const std::string& template_file, bool train_all);

}  // namespace trawl
