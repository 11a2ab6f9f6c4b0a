#pragma once

namespace sluice {

// The release version, from CMake's project(VERSION ...).
const char* Version();

}  // namespace sluice
