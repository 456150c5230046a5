#include "text/chat_data.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "text/components.hpp"

namespace trawl {

namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error_at(SourcePos{path, 0, 0}, "cannot read the chat template");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// chat_template: a string, or a list of {"name", "template"} of which
// transformers uses "default".
std::optional<std::string> config_template(const nlohmann::json& config, const std::string& path) {
  const auto found = config.find("chat_template");
  if (found == config.end() || found->is_null()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_array()) {
    for (const auto& named : *found)
      if (named.is_object() && named.value("name", "") == "default" && named.contains("template") &&
          named["template"].is_string())
        return named["template"].get<std::string>();
  }
  throw input_error_at(SourcePos{path, 0, 0}, "chat_template must be a string, or a list of {\"name\", \"template\"} "
                                              "with one named \"default\"");
}

}  // namespace

ChatData chat_data_of(const TokenizerFiles& files, const std::string& template_file, bool train_all) {
  ChatData out;
  out.train_all = train_all;
  const nlohmann::json config =
      files.tokenizer_config.empty() ? nlohmann::json::object() : read_json(files.tokenizer_config);
  out.bos_token = config_token(config, "bos_token");
  out.eos_token = config_token(config, "eos_token");
  std::optional<std::string> source;
  if (!template_file.empty()) {
    source = read_text(template_file);
    out.where = template_file;
  } else if (!files.tokenizer_config.empty() && (source = config_template(config, files.tokenizer_config))) {
    out.where = files.tokenizer_config;
  } else {
    const fs::path beside = fs::path(files.tokenizer_json).parent_path() / "chat_template.jinja";
    if (fs::exists(beside)) {
      source = read_text(beside.string());
      out.where = beside.string();
    }
  }
  if (!source) return out;
  out.source = *source;
  out.chat = std::make_shared<const ChatTemplate>(*source, out.where);
  return out;
}

}  // namespace trawl
