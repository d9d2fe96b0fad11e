#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bot/admin/admin_session.hpp"
#include "bot/admin/web_access.hpp"
#include "bot/config.hpp"
#include "bot/http/http_types.hpp"
#include "core/time.hpp"

namespace tcns::bot {

/// True when an Authorization header is "Bearer <token>" (the scheme in any case). The tokens
/// are compared in constant time (SHA-256 digests, CRYPTO_memcmp); an empty token never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view token);
/// True when `given` equals `token`, compared in constant time like bearer_token_matches; an
/// empty token never matches.
bool tokens_match(std::string_view given, std::string_view token);

/// Who is asking and what they may see: the admin token (bearer, or the login it opened) sees
/// everything; an official's web session (a sign-in link from chat) sees its unit's subtree.
struct AdminAccess {
    std::optional<web::Session> web;  ///< empty: full access by the admin token
    bool scoped() const { return web.has_value(); }
    std::string actor() const { return web ? web->person_name : "admin-token"; }
    std::optional<std::int64_t> person() const {
        return web ? std::optional<std::int64_t>(web->person) : std::nullopt;
    }
};

/// The access a request carries, nullopt when none: a bearer header decides alone; else the
/// admin login's cookie, else an official's web session cookie (looked up in SQLite).
std::optional<AdminAccess> admin_access(const HttpRequest& req, const Config& config,
                                        AdminSessions& sessions, core::Instant now);

/// For a scoped access: the `unit` and `level` parameters must lie inside the session's
/// subtree. An error message for a 403, or nullopt when allowed (always for full access).
std::optional<std::string> scope_refusal(storage::Database& db, const AdminAccess& access,
                                         const HttpRequest& req);

/// True when a request carries the admin token as a bearer header or a live session cookie.
bool admin_authorized(const HttpRequest& req, const Config& config, AdminSessions& sessions,
                      core::Instant now);

/// GET /admin/exports/<name>.csv?period=…&unit=… (the name is req.matches[1]) with
/// `Authorization: Bearer <TCNS_ADMIN_TOKEN>` or the admin page's session cookie: the CSV,
/// streamed as SQLite returns the rows.
HttpResponse admin_export(const Config& config, AdminSessions& sessions, const HttpRequest& req);

}  // namespace tcns::bot
