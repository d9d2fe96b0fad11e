#include "bot/channels/http_client.hpp"

#include <httplib.h>

#include <map>
#include <mutex>

namespace tcns::bot {

namespace {

/// "https://host:port/prefix" → ("https://host:port", "/prefix").
std::pair<std::string, std::string> split_base(const std::string& base) {
    const auto scheme = base.find("://");
    const auto start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto slash = base.find('/', start);
    if (slash == std::string::npos) return {base, ""};
    std::string prefix = base.substr(slash);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    return {base.substr(0, slash), prefix};
}

}  // namespace

struct HttpClient::Impl {
    std::chrono::milliseconds timeout;
    std::mutex mu;
    /// Idle clients per origin; a call borrows one (httplib::Client is not thread-safe).
    std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle;

    std::unique_ptr<httplib::Client> borrow(const std::string& origin) {
        {
            std::lock_guard lock(mu);
            auto& pool = idle[origin];
            if (!pool.empty()) {
                auto c = std::move(pool.back());
                pool.pop_back();
                return c;
            }
        }
        auto c = std::make_unique<httplib::Client>(origin);
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
        const auto usecs =
            std::chrono::duration_cast<std::chrono::microseconds>(timeout).count() % 1000000;
        c->set_connection_timeout(secs, usecs);
        c->set_read_timeout(secs, usecs);
        c->set_write_timeout(secs, usecs);
        c->set_keep_alive(true);
        c->set_tcp_nodelay(true);
        return c;
    }
    void give_back(const std::string& origin, std::unique_ptr<httplib::Client> c) {
        std::lock_guard lock(mu);
        auto& pool = idle[origin];
        if (pool.size() < 16) pool.push_back(std::move(c));
    }
    static HttpResult result(const httplib::Result& r) {
        HttpResult out;
        if (r) {
            out.status = r->status;
            out.body = r->body;
            const std::string after = r->get_header_value("Retry-After");
            if (!after.empty() && after.size() <= 9 &&
                after.find_first_not_of("0123456789") == std::string::npos)
                out.retry_after = std::chrono::seconds(std::stol(after));
        } else {
            out.error = httplib::to_string(r.error());
        }
        return out;
    }
};

HttpClient::HttpClient(std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
    impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::post(const std::string& base_url, const std::string& path,
                            const Headers& headers, const std::string& body,
                            const std::string& content_type) {
    const auto [origin, prefix] = split_base(base_url);
    auto client = impl_->borrow(origin);
    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    auto r = client->Post(prefix + path, h, body, content_type);
    HttpResult out = Impl::result(r);
    if (r) impl_->give_back(origin, std::move(client));
    return out;
}

}  // namespace tcns::bot
