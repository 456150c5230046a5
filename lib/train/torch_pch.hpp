// Precompiled header for lib/train's .cpp files (torch is slow to parse).
#pragma once
#include <torch/torch.h>
