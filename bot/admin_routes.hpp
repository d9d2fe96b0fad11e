#pragma once

#include <string_view>

#include "bot/config.hpp"

namespace httplib {
class Server;
}

namespace tcns::bot {

/// True when an Authorization header is exactly "Bearer <token>". The token is compared in
/// constant time (no early exit on the first differing byte); an empty token never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view token);

/// Registers the admin surface: GET /admin/exports/<name>.csv?period=…&unit=… with
/// `Authorization: Bearer <TCNS_ADMIN_TOKEN>`. Registers nothing when no admin token is
/// configured, so every admin path answers 404.
void register_admin_routes(httplib::Server& http, const Config& config);

}  // namespace tcns::bot
