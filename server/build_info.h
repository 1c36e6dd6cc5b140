// What was built: the project version (CMake's project(VERSION)) and the git commit of the
// source tree, with "-dirty" when it had uncommitted changes ("unknown" outside a git checkout).
// The commit is written by cmake/build_info.cmake at build time, not configure time, so a
// rebuild after a commit reports the new one. Shown by `doorman --version` and in
// doorman_build_info.
#pragma once

#include <string_view>

namespace doorman {

std::string_view build_version();
std::string_view build_commit();

}  // namespace doorman
