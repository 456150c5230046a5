// Renders a chat template with trawl's interpreter for each case of a JSON
// file, as tests/integration/chat_template_reference.mjs does with Hugging
// Face's: chat_template_render TEMPLATE CASES prints a JSON list of texts
// ({"error": ...} where it refused). With --turns, each case's whole
// conversation instead, and its assistant turns' trained spans:
// {"text": ..., "spans": [[message, begin byte, end byte], ...]}; with
// --tokens MODEL_DIR, its {"input_ids": [...], "labels": [...]}.
#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "text/chat_template.hpp"
#include "text/chat_turns.hpp"

int main(int argc, char** argv) {
  const bool turns = argc == 4 && std::string(argv[1]) == "--turns";
  const bool tokens = argc == 5 && std::string(argv[1]) == "--tokens";
  if (argc != 3 && !turns && !tokens) {
    std::cerr << "usage: chat_template_render [--turns | --tokens MODEL_DIR] TEMPLATE CASES.json\n";
    return 2;
  }
  std::optional<trawl::Tokenizer> tokenizer;
  if (tokens) tokenizer = trawl::Tokenizer::from_dir(argv[2]);
  argv += turns ? 1 : tokens ? 2 : 0;
  std::ifstream template_file(argv[1]), cases_file(argv[2]);
  std::stringstream source;
  source << template_file.rdbuf();
  const nlohmann::ordered_json cases = nlohmann::ordered_json::parse(cases_file);
  nlohmann::json out = nlohmann::json::array();
  try {
    const trawl::ChatTemplate chat(source.str(), argv[1]);
    for (const nlohmann::ordered_json& c : cases) {
      trawl::ChatTemplate::Variables v;
      v.messages = trawl::jinja::Value::from_json(c.at("messages"));
      v.bos_token = c.value("bos_token", "");
      v.eos_token = c.value("eos_token", "");
      v.add_generation_prompt = c.value("add_generation_prompt", false);
      try {
        if (!turns && !tokenizer) {
          out.push_back(chat.render(v));
          continue;
        }
        const trawl::RenderedChat rendered = trawl::render_chat(chat, v, trawl::SourcePos{argv[2], 1, 1});
        if (tokenizer) {
          const trawl::ChatTokens t = trawl::tokenize_chat(*tokenizer, rendered, false, trawl::SourcePos{argv[2], 1, 1});
          out.push_back(nlohmann::json{{"input_ids", t.input_ids}, {"labels", t.labels}});
          continue;
        }
        nlohmann::json spans = nlohmann::json::array();
        for (const trawl::TurnSpan& s : rendered.assistant) spans.push_back({s.message, s.begin, s.end});
        out.push_back(nlohmann::json{{"text", rendered.text}, {"spans", spans}});
      } catch (const trawl::InputError& e) {
        out.push_back(nlohmann::json{{"error", e.what()}});
      }
    }
  } catch (const trawl::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::cout << out.dump();
  return 0;
}
