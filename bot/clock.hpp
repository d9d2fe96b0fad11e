#pragma once

#include <chrono>

#include "core/time.hpp"

namespace tcns::bot {

/// The wall clock to the second: the `now` that bot/ hands to core, which never reads a clock.
inline core::Instant wall_now() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace tcns::bot
