#include "bot/log.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace tcns::bot::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mutex;

const char* name(Level l) {
    switch (l) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
    }
    return "info";
}
}  // namespace

void set_level(std::string_view level) {
    Level l = Level::kInfo;
    if (level == "debug") l = Level::kDebug;
    if (level == "warn") l = Level::kWarn;
    if (level == "error") l = Level::kError;
    g_level = static_cast<int>(l);
}

bool enabled(Level level) {
    return static_cast<int>(level) >= g_level.load();
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    if (!enabled(level)) return;
    const auto now = std::chrono::system_clock::now();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    nlohmann::json j;
    j["ts"] = core::format_utc(core::from_unix(ms / 1000));
    j["level"] = name(level);
    j["event"] = std::string(event);
    for (const Field& f : fields) {
        if (f.is_number) {
            if (std::floor(f.number) == f.number && std::fabs(f.number) < 9e15)
                j[std::string(f.key)] = static_cast<long long>(f.number);
            else
                j[std::string(f.key)] = f.number;
        } else {
            j[std::string(f.key)] = f.text;
        }
    }
    // Replace invalid UTF-8 rather than throwing from a log call.
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lock(g_mutex);
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
}

}  // namespace tcns::bot::log
