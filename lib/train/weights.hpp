// lib/train: a model's weights as a file (torch's archive format, one entry
// per named parameter and buffer), and fine-tuning from one: loading base
// weights and freezing parameters by glob pattern.
#pragma once

#include <string>
#include <vector>

#include "train/model.hpp"

namespace trawl {

enum class WhichWeights { all, trained };  // trained: parameters that require grad, and buffers
// Written durably (core/durable_file.hpp), so readers never see half a file.
void save_weights(Model& model, const std::string& path, WhichWeights which = WhichWeights::all);
// --save-final is Model::save_final (train/model.hpp).
// Every tensor in the file must name a parameter or buffer of the same shape;
// model tensors the file lacks keep their fresh initialisation. Returns the
// names it loaded.
std::vector<std::string> load_weights(Model& model, const std::string& path);
// Marks matching parameters frozen; returns the parameters left to train.
// Throws when a pattern matches nothing (a typo would silently train all).
std::vector<torch::Tensor> apply_freeze(Model& model, const std::vector<std::string>& patterns);

}  // namespace trawl
