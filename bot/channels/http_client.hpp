#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tcns::bot {

/// An HTTP answer, or why none arrived.
struct HttpResult {
    std::optional<int> status;  ///< nullopt: connect failure, TLS error or timeout
    std::string body;
    std::string error;  ///< transport error name when status is empty
    /// A Retry-After header given in seconds (429, 503); the HTTP-date form is ignored.
    std::optional<std::chrono::seconds> retry_after;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// The one outbound HTTP client of tcns (platform APIs). Keeps a few keep-alive connections per
/// base URL and is safe to call from several threads. Base URLs may carry a path prefix
/// ("https://chatapi.viber.com/pa"); tests point them at fake servers on loopback.
class HttpClient {
  public:
    explicit HttpClient(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    HttpResult post(const std::string& base_url, const std::string& path, const Headers& headers,
                    const std::string& body, const std::string& content_type);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tcns::bot
