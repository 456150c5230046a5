#include "checkpoint/hf_config.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

using Json = nlohmann::json;

const std::vector<std::string> supported = {"LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM"};

// One config.json, with every failure naming the file and the key.
class ConfigReader {
 public:
  ConfigReader(std::string file, const Json& json) : file_(std::move(file)), json_(json) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw InputError(file_ + ": " + key + " " + why);
  }
  bool has(const std::string& key) const { return json_.contains(key) && !json_[key].is_null(); }

  std::int64_t positive(const std::string& key, std::optional<std::int64_t> fallback = std::nullopt) const {
    if (!has(key)) {
      if (fallback) return *fallback;
      fail(key, "is missing");
    }
    if (!json_[key].is_number_integer() || json_[key].get<std::int64_t>() < 1)
      fail(key, "must be a positive integer, not " + json_[key].dump());
    return json_[key].get<std::int64_t>();
  }
  double number(const Json& object, const std::string& key, double fallback, const std::string& prefix = "") const {
    if (!object.contains(key) || object[key].is_null()) return fallback;
    if (!object[key].is_number()) fail(prefix + key, "must be a number, not " + object[key].dump());
    return object[key].get<double>();
  }
  bool flag(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_boolean()) fail(key, "must be true or false, not " + json_[key].dump());
    return json_[key].get<bool>();
  }
  std::string text(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_string()) fail(key, "must be a string, not " + json_[key].dump());
    return json_[key].get<std::string>();
  }
  const Json& json() const { return json_; }

 private:
  std::string file_;
  const Json& json_;
};

const std::string causal_lm_suffix = "ForCausalLM", classifier_suffix = "ForSequenceClassification";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The decoder's architecture; a *ForSequenceClassification one marks the config.
std::string architecture_of(const ConfigReader& r, CausalLmConfig& c) {
  const Json& j = r.json();
  std::vector<std::string> names = supported;
  for (const auto& name : supported) names.push_back(sequence_classifier_architecture(name));
  if (!j.contains("architectures") || !j["architectures"].is_array() || j["architectures"].size() != 1 ||
      !j["architectures"][0].is_string())
    r.fail("architectures", "must list one architecture (one of " + join(names, ", ") + ")");
  std::string arch = j["architectures"][0].get<std::string>();
  if (std::find(names.begin(), names.end(), arch) == names.end())
    r.fail("architectures", "is '" + arch + "', which trawl does not implement (it implements " + join(names, ", ") +
                                ")");
  if (ends_with(arch, classifier_suffix)) {
    c.sequence_classifier = true;
    arch = arch.substr(0, arch.size() - classifier_suffix.size()) + causal_lm_suffix;
  }
  return arch;
}

// A classifier's labels: num_labels, else id2label's size (transformers' rule).
std::int64_t num_labels_of(const ConfigReader& r) {
  if (r.has("num_labels")) return r.positive("num_labels");
  if (r.has("id2label")) {
    if (!r.json()["id2label"].is_object() || r.json()["id2label"].empty())
      r.fail("id2label", "must be an object naming each label");
    return static_cast<std::int64_t>(r.json()["id2label"].size());
  }
  return 2;  // PretrainedConfig's default
}

std::optional<std::int64_t> token_id(const ConfigReader& r, const std::string& key) {
  if (!r.has(key)) return std::nullopt;
  const Json& v = r.json()[key];
  const Json& id = v.is_array() && !v.empty() ? v[0] : v;  // eos_token_id may list several; the first pads
  if (!id.is_number_integer() || id.get<std::int64_t>() < 0)
    r.fail(key, "must be a token id (a non-negative integer), not " + v.dump());
  return id.get<std::int64_t>();
}

RopeScaling rope_scaling_of(const ConfigReader& r) {
  RopeScaling s;
  if (!r.has("rope_scaling")) return s;
  const Json& j = r.json()["rope_scaling"];
  if (!j.is_object()) r.fail("rope_scaling", "must be an object or null");
  const std::string key = j.contains("rope_type") ? "rope_type" : "type";
  if (!j.contains(key) || !j[key].is_string()) r.fail("rope_scaling", "has no rope_type");
  s.type = j[key].get<std::string>();
  if (s.type == "default") return RopeScaling{};
  if (s.type != "llama3" && s.type != "linear")
    r.fail("rope_scaling." + key, "is '" + s.type + "', which trawl does not implement (llama3, linear)");
  // As transformers' rope_config_validation: these keys are required, a missing one a KeyError.
  const auto required = [&](const char* name) {
    if (!j.contains(name) || j[name].is_null())
      r.fail(std::string("rope_scaling.") + name, "is missing; rope_type '" + s.type + "' needs it");
    return r.number(j, name, 0, "rope_scaling.");
  };
  s.factor = required("factor");
  if (!(s.factor >= 1)) r.fail("rope_scaling.factor", "must be at least 1");
  if (s.type == "llama3") {
    s.low_freq_factor = required("low_freq_factor");
    s.high_freq_factor = required("high_freq_factor");
    if (!(s.high_freq_factor > s.low_freq_factor))
      r.fail("rope_scaling.high_freq_factor", "must be larger than low_freq_factor");
    s.original_max_position_embeddings = static_cast<std::int64_t>(required("original_max_position_embeddings"));
    if (s.original_max_position_embeddings < 1)
      r.fail("rope_scaling.original_max_position_embeddings", "must be a positive integer");
  }
  return s;
}

void read_sizes(const ConfigReader& r, CausalLmConfig& c) {
  c.hidden_size = r.positive("hidden_size");
  c.intermediate_size = r.positive("intermediate_size");
  c.num_hidden_layers = r.positive("num_hidden_layers");
  c.num_attention_heads = r.positive("num_attention_heads");
  c.num_key_value_heads = r.positive("num_key_value_heads", c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    r.fail("num_key_value_heads", "(" + std::to_string(c.num_key_value_heads) + ") must divide num_attention_heads (" +
                                      std::to_string(c.num_attention_heads) + ")");
  if (!r.has("head_dim") && c.hidden_size % c.num_attention_heads != 0)
    r.fail("hidden_size", "must be a multiple of num_attention_heads when head_dim is not given");
  c.head_dim = r.positive("head_dim", c.hidden_size / c.num_attention_heads);
  if (c.head_dim % 2 != 0) r.fail("head_dim", "must be even for rotary embeddings");
  c.vocab_size = r.positive("vocab_size");
  c.max_position_embeddings = r.positive("max_position_embeddings", 2048);
}

void read_options(const ConfigReader& r, CausalLmConfig& c) {
  c.rms_norm_eps = r.number(r.json(), "rms_norm_eps", 1e-6);
  c.rope_theta = r.number(r.json(), "rope_theta", 10000);
  if (!(c.rms_norm_eps > 0)) r.fail("rms_norm_eps", "must be positive");
  if (!(c.rope_theta > 0)) r.fail("rope_theta", "must be positive");
  c.rope_scaling = rope_scaling_of(r);
  c.tie_word_embeddings = r.flag("tie_word_embeddings", false);
  if (r.text("hidden_act", "silu") != "silu")
    r.fail("hidden_act", "is '" + r.text("hidden_act", "") + "'; trawl implements silu (SwiGLU)");
  if (c.architecture == "Qwen2ForCausalLM") {
    c.qkv_bias = true;  // Qwen2 always has q/k/v biases
    if (r.flag("use_sliding_window", false)) r.fail("use_sliding_window", "is true; trawl does not implement it");
  } else {
    c.qkv_bias = c.o_bias = r.flag("attention_bias", false);
    c.mlp_bias = r.flag("mlp_bias", false);
  }
  if (c.architecture == "MistralForCausalLM" && r.has("sliding_window"))
    c.sliding_window = r.positive("sliding_window");
  const std::string dtype_key = r.has("torch_dtype") ? "torch_dtype" : "dtype";
  c.torch_dtype = r.text(dtype_key, "float32");
  if (c.torch_dtype != "float32" && c.torch_dtype != "bfloat16" && c.torch_dtype != "float16")
    r.fail(dtype_key, "is '" + c.torch_dtype + "'; trawl reads float32, bfloat16 and float16 weights");
  c.initializer_range = r.number(r.json(), "initializer_range", 0.02);
  if (!(c.initializer_range > 0)) r.fail("initializer_range", "must be positive");
  c.pad_token_id = token_id(r, "pad_token_id");
  c.eos_token_id = token_id(r, "eos_token_id");
  if (c.sequence_classifier) c.num_labels = num_labels_of(r);
}

}  // namespace

CausalLmConfig read_causal_lm_config(const std::string& dir) {
  const std::string file = (std::filesystem::path(dir) / "config.json").string();
  if (!std::filesystem::is_directory(dir))
    throw InputError("model.path '" + dir + "' is not a directory (a Hugging Face model directory is needed)",
                     "model.path");
  if (!std::filesystem::exists(file)) throw InputError("model.path '" + dir + "' has no config.json", "model.path");
  CausalLmConfig c;
  c.file = file;
  c.text = read_text_file(file, "config.json");
  Json json;
  try {
    json = Json::parse(c.text);
  } catch (const Json::parse_error& e) {
    throw InputError(file + ": not valid JSON: " + e.what());
  }
  if (!json.is_object()) throw InputError(file + ": not a JSON object");
  ConfigReader reader(file, json);
  c.architecture = architecture_of(reader, c);
  read_sizes(reader, c);
  read_options(reader, c);
  return c;
}

std::string sequence_classifier_architecture(const std::string& causal_lm_architecture) {
  return causal_lm_architecture.substr(0, causal_lm_architecture.size() - causal_lm_suffix.size()) + classifier_suffix;
}

std::string exported_config_json(const CausalLmConfig& config, const ExportedConfig& exported) {
  Json json = Json::parse(config.text);
  json["torch_dtype"] = exported.torch_dtype;
  if (exported.num_labels == 0) return json.dump(2) + "\n";
  json["architectures"] = Json::array({sequence_classifier_architecture(config.architecture)});
  json["num_labels"] = exported.num_labels;
  Json id2label = Json::object(), label2id = Json::object();
  for (std::int64_t i = 0; i < exported.num_labels; ++i) {
    id2label[std::to_string(i)] = "LABEL_" + std::to_string(i);
    label2id["LABEL_" + std::to_string(i)] = i;
  }
  json["id2label"] = id2label;
  json["label2id"] = label2id;
  json["pad_token_id"] = exported.pad_token_id;
  json["problem_type"] = exported.regression ? "regression" : "single_label_classification";
  return json.dump(2) + "\n";
}

}  // namespace trawl
