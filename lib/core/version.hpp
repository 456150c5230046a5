// lib/core: the version of trawl, from CMake's project(VERSION).
#pragma once

namespace trawl {
const char* version();
}
