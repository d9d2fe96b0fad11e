#pragma once

#include <string_view>

#include "bot/admin_session.hpp"
#include "bot/config.hpp"
#include "bot/http_types.hpp"
#include "core/time.hpp"

namespace tcns::bot {

/// True when an Authorization header is "Bearer <token>" (the scheme in any case). The tokens
/// are compared in constant time (SHA-256 digests, CRYPTO_memcmp); an empty token never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view token);
/// True when `given` equals `token`, compared in constant time like bearer_token_matches; an
/// empty token never matches.
bool tokens_match(std::string_view given, std::string_view token);

/// True when a request carries the admin token as a bearer header or a live session cookie.
bool admin_authorized(const HttpRequest& req, const Config& config, AdminSessions& sessions,
                      core::Instant now);

/// GET /admin/exports/<name>.csv?period=…&unit=… (the name is req.matches[1]) with
/// `Authorization: Bearer <TCNS_ADMIN_TOKEN>` or the admin page's session cookie: the CSV,
/// streamed as SQLite returns the rows.
HttpResponse admin_export(const Config& config, AdminSessions& sessions, const HttpRequest& req);

}  // namespace tcns::bot
