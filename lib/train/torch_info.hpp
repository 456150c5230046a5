// lib/train: which libtorch this build compiled against, without torch's
// headers (for --version and the tests that say which path ran).
#pragma once

#include <string>

namespace trawl {

// "2.6.0".
std::string torch_version();

// "scaled_dot_product_attention" (libtorch 2.x) or "matmul+softmax" (1.13):
// the path the causal LM's attention takes in this build.
const char* attention_path();

}  // namespace trawl
