#include "checkpoint/hf_export.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "checkpoint/safetensors.hpp"
#include "core/durable_file.hpp"

namespace trawl {

void write_peft_adapter(const std::string& dir, const LoraAdapterConfig& config, const NamedTensors& trained) {
  std::filesystem::create_directories(dir);
  NamedTensors prefixed;
  for (const auto& [name, tensor] : trained) prefixed.emplace_back("base_model.model." + name, tensor);
  const nlohmann::json modules_to_save =
      config.sequence_classifier ? nlohmann::json::array({"score"}) : nlohmann::json(nullptr);
  write_safetensors((std::filesystem::path(dir) / "adapter_model.safetensors").string(), prefixed);
  const nlohmann::ordered_json json = {
      {"peft_type", "LORA"},
      {"task_type", config.sequence_classifier ? "SEQ_CLS" : "CAUSAL_LM"},
      {"base_model_name_or_path", config.base_model},
      {"r", config.rank},
      {"lora_alpha", config.alpha},
      {"lora_dropout", config.dropout},
      {"target_modules", config.target_modules},
      {"bias", "none"},
      {"fan_in_fan_out", false},
      {"inference_mode", true},
      {"init_lora_weights", true},
      {"modules_to_save", modules_to_save},
      {"use_rslora", false},
      {"use_dora", false},
  };
  write_file_durably((std::filesystem::path(dir) / "adapter_config.json").string(), json.dump(2) + "\n");
}

void write_hf_model(const std::string& dir, const CausalLmConfig& config, ExportedConfig exported,
                    const NamedTensors& weights) {
  std::filesystem::create_directories(dir);
  exported.torch_dtype = "float32";
  if (!weights.empty() && weights.front().second.scalar_type() == torch::kBFloat16) exported.torch_dtype = "bfloat16";
  if (!weights.empty() && weights.front().second.scalar_type() == torch::kHalf) exported.torch_dtype = "float16";
  write_safetensors((std::filesystem::path(dir) / "model.safetensors").string(), weights);
  write_file_durably((std::filesystem::path(dir) / "config.json").string(), exported_config_json(config, exported));
}

}  // namespace trawl
