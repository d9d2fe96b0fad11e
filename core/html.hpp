#pragma once

#include <string>
#include <string_view>

namespace tcns::core {

/// Escapes text for HTML element content and quoted attribute values: & < > " ' become
/// entities. Every value a server-rendered page inserts goes through this.
std::string html_escape(std::string_view text);

/// Percent-encodes a query string component (RFC 3986 unreserved characters stay as they are).
std::string url_encode(std::string_view text);

}  // namespace tcns::core
