#include "text/chat_template.hpp"

#include "text/jinja_renderer.hpp"

namespace trawl {

ChatTemplate::ChatTemplate(const std::string& source, const std::string& name)
    : name_(name), body_(std::make_shared<jinja::Body>(jinja::parse_template(source, name))) {}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render(const Variables& v) const {
  jinja::Dict globals = jinja::global_functions();
  globals.emplace_back("messages", v.messages);
  globals.emplace_back("bos_token", jinja::Value(v.bos_token));
  globals.emplace_back("eos_token", jinja::Value(v.eos_token));
  globals.emplace_back("add_generation_prompt", jinja::Value(v.add_generation_prompt));
  for (const auto& [k, value] : v.extra) globals.emplace_back(k, value);
  jinja::Renderer renderer(std::move(globals));
  renderer.run(*body_);
  return renderer.out;
}

}  // namespace trawl
