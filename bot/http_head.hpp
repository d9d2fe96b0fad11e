#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace tcns::bot {

/// An HTTP/1.x request head, viewed in place in the receive buffer (valid while it is).
/// Only what the webhook fast path needs to decide; anything else goes to the full server.
struct RequestHead {
    std::string_view method;
    std::string_view target;  ///< as sent: path and query
    std::string_view path;    ///< target before '?'
    std::string_view query;   ///< after '?', empty when none
    int minor_version = 1;    ///< HTTP/1.<minor>
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::size_t head_bytes = 0;  ///< request line and headers, with the blank line
    std::optional<std::size_t> content_length;
    bool close = false;    ///< Connection: close, or HTTP/1.0 without keep-alive
    bool unusual = false;  ///< Transfer-Encoding, Expect, several Content-Lengths, …

    /// The first header of that name (case-insensitive), or empty.
    std::string_view header(std::string_view name) const;
};

enum class HeadStatus {
    kIncomplete,  ///< no blank line yet within the limit: read more
    kOk,
    kInvalid,  ///< not a request head this parser understands (the full server decides)
};

/// Parses the request head at the start of `buf` (RFC 9112 §2–5, strictly: CRLF line ends,
/// no obsolete line folding, token header names, a decimal Content-Length). Never throws.
HeadStatus parse_request_head(std::string_view buf, RequestHead& out,
                              std::size_t max_head_bytes = 8192, std::size_t max_headers = 64);

}  // namespace tcns::bot
