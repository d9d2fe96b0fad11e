#pragma once

#include <string_view>

#include "bot/admin_session.hpp"
#include "bot/config.hpp"
#include "core/time.hpp"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace tcns::bot {

/// True when an Authorization header is "Bearer <token>" (the scheme in any case). The tokens
/// are compared in constant time (SHA-256 digests, CRYPTO_memcmp); an empty token never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view token);
/// True when `given` equals `token`, compared in constant time like bearer_token_matches; an
/// empty token never matches.
bool tokens_match(std::string_view given, std::string_view token);

/// True when a request carries the admin token as a bearer header or a live session cookie.
bool admin_authorized(const httplib::Request& req, const Config& config, AdminSessions& sessions,
                      core::Instant now);

/// Registers the admin surface: GET /admin/exports/<name>.csv?period=…&unit=… with
/// `Authorization: Bearer <TCNS_ADMIN_TOKEN>` or the admin page's session cookie, and the admin
/// page (bot/admin_page.hpp). Registers nothing when no admin token is configured, so every
/// admin path answers 404.
void register_admin_routes(httplib::Server& http, const Config& config);

}  // namespace tcns::bot
