// lib/spec: which way a metric improves. Its own header so that a
// constraint (which sweep_spec.hpp holds) can say which way its bound points.
#pragma once

namespace trawl {

// Which way sweep.metric improves (sweep.mode).
enum class Goal { minimize, maximize };

}  // namespace trawl
