#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcns::bot {

/// One parsed HTTP request as the route handlers see it: no HTTP library type leaks past the
/// server (bot/http/http_server.cpp), so handlers are plain functions from request to response.
struct HttpRequest {
    std::string method;  ///< "GET", "POST", …
    std::string target;  ///< as sent: path and query string
    std::string path;    ///< the target before '?', not decoded
    std::vector<std::pair<std::string, std::string>> headers;
    /// The query string's parameters, then (for an application/x-www-form-urlencoded POST) the
    /// form's, percent-decoded.
    std::vector<std::pair<std::string, std::string>> params;
    std::string body;
    std::string peer;                  ///< the TCP peer's address
    std::string client;                ///< the client's address (X-Forwarded-For when trusted)
    std::vector<std::string> matches;  ///< [0] the path, then the route pattern's groups

    /// The first value of a header (case-insensitive name), or "" when absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    bool has_param(std::string_view name) const;
    /// The first value of a parameter, or "" when absent.
    std::string param(std::string_view name) const;
};

/// Where a streamed body goes. write() blocks while the client is slow (a bounded buffer sits
/// between the producer and the socket) and returns false once the client has gone.
class BodySink {
  public:
    virtual ~BodySink() = default;
    virtual bool write(const char* data, std::size_t size) = 0;
};

/// A handler's answer. `status` 0 means the handler forgot to set one: the server answers 500.
struct HttpResponse {
    int status = 0;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    /// When set, the body is produced by this function on its own thread and sent chunked as it
    /// comes (exports): it returns true when the whole body was written, false to abort the
    /// connection (the client has gone, or the export failed after the headers were sent).
    std::function<bool(BodySink&)> stream;

    void set_content(std::string content, std::string type) {
        body = std::move(content);
        content_type = std::move(type);
    }
    void set_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }
};

/// "%41+b" → "A b" (form encoding); invalid escapes are kept as they are.
std::string url_decode(std::string_view text, bool plus_is_space = true);
/// Appends the parameters of a query string or url-encoded form ("a=1&b=x%20y").
void parse_params(std::string_view text, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace tcns::bot
