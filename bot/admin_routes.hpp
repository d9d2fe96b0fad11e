#pragma once

#include <string_view>

#include "bot/config.hpp"

namespace httplib {
class Server;
}

namespace tcns::bot {

/// True when an Authorization header is "Bearer <token>" (the scheme in any case). The tokens
/// are compared in constant time (SHA-256 digests, CRYPTO_memcmp); an empty token never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view token);

/// Registers the admin surface: GET /admin/exports/<name>.csv?period=…&unit=… with
/// `Authorization: Bearer <TCNS_ADMIN_TOKEN>`. Registers nothing when no admin token is
/// configured, so every admin path answers 404.
void register_admin_routes(httplib::Server& http, const Config& config);

}  // namespace tcns::bot
