#pragma once

#include <cstdio>
#include <cstdlib>

namespace tcns::fuzz {

/// An invariant of a fuzz target. Not assert(): the fuzz build is RelWithDebInfo (NDEBUG), and a
/// broken invariant must stop the fuzzer with a message whatever the build type.
inline void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

}  // namespace tcns::fuzz
