#include "bot/admin/admin_session.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace tcns::bot {

std::string AdminSessions::create(core::Instant now) {
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        throw std::runtime_error("RAND_bytes failed: cannot create an admin session");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    id.reserve(2 * sizeof bytes);
    for (const unsigned char b : bytes) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 15]);
    }
    std::lock_guard lock(mutex_);
    purge_expired(now);
    // Bounded memory: when full, the session closest to expiry makes room.
    while (expiry_.size() >= max_sessions_ && !expiry_.empty()) {
        const auto oldest =
            std::min_element(expiry_.begin(), expiry_.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        expiry_.erase(oldest);
    }
    expiry_.emplace(id, now + ttl_);
    return id;
}

bool AdminSessions::valid(std::string_view id, core::Instant now) {
    if (id.size() != 64) return false;
    std::lock_guard lock(mutex_);
    const auto it = expiry_.find(id);
    if (it == expiry_.end()) return false;
    if (now >= it->second) {
        expiry_.erase(it);
        return false;
    }
    return true;
}

void AdminSessions::end(std::string_view id) {
    std::lock_guard lock(mutex_);
    const auto it = expiry_.find(id);
    if (it != expiry_.end()) expiry_.erase(it);
}

bool AdminSessions::login_allowed(core::Instant now, std::string_view client) {
    std::lock_guard lock(mutex_);
    const auto it = failures_.find(client);
    if (it == failures_.end()) return true;
    if (now - it->second.window_start >= kFailureWindow) {
        failures_.erase(it);
        return true;
    }
    return it->second.count < kMaxFailures;
}

void AdminSessions::record_failure(core::Instant now, std::string_view client) {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(client);
    if (it == failures_.end()) {
        if (failures_.size() >= kMaxClients) {
            // Forget expired windows first, then the oldest one.
            for (auto e = failures_.begin(); e != failures_.end();)
                e = now - e->second.window_start >= kFailureWindow ? failures_.erase(e)
                                                                   : std::next(e);
            while (failures_.size() >= kMaxClients) {
                const auto oldest = std::min_element(
                    failures_.begin(), failures_.end(), [](const auto& x, const auto& y) {
                        return x.second.window_start < y.second.window_start;
                    });
                failures_.erase(oldest);
            }
        }
        it = failures_.emplace(std::string(client), Failures{now, 0}).first;
    } else if (now - it->second.window_start >= kFailureWindow) {
        it->second = Failures{now, 0};
    }
    ++it->second.count;
}

void AdminSessions::purge_expired(core::Instant now) {
    for (auto it = expiry_.begin(); it != expiry_.end();)
        it = now >= it->second ? expiry_.erase(it) : std::next(it);
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto semi = header.find(';');
        std::string_view pair = header.substr(0, semi);
        header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
        while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t'))
            pair.remove_prefix(1);
        while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
        std::string_view value = pair.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        return std::string(value);
    }
    return std::nullopt;
}

}  // namespace tcns::bot
