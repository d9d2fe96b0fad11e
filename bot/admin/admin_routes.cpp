#include "bot/admin/admin_routes.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "bot/admin/admin_page.hpp"
#include "bot/clock.hpp"
#include "bot/export_support.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "core/csv_writer.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"
#include "storage/web_queries.hpp"

namespace tcns::bot {

namespace {

HttpResponse json_error(int status, std::string_view message) {
    HttpResponse res;
    res.status = status;
    res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json; charset=utf-8");
    return res;
}

std::optional<std::string> param(const HttpRequest& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    return req.param(name);
}

bool truthy(const HttpRequest& req, const char* name) {
    const auto v = param(req, name);
    return v && (*v == "1" || *v == "true" || *v == "yes" || v->empty());
}

/// Hands CSV records to the server's bounded body sink, which gathers them into chunks; when
/// the client is slow, writing blocks here (memory stays bounded).
class SinkBuffer : public std::streambuf {
  public:
    explicit SinkBuffer(BodySink& sink) : sink_(sink) {}

  protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        return sink_.write(s, static_cast<std::size_t>(n)) ? n : 0;
    }
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
    }

  private:
    BodySink& sink_;
};

/// Everything a streamed export needs once the handler has returned.
struct ExportJob {
    storage::ExportKind kind = storage::ExportKind::kReports;
    storage::ExportRequest request;
    ExportTemplates templates;
    bool codes = false;
    core::CsvWriterOptions options;
    std::unique_ptr<storage::Database> db;
};

/// A workbook cannot be streamed while it is made (it is a zip file): it is written to a
/// temporary file first (build_xlsx_download), then sent in pieces as the client reads, and
/// deleted when the response is gone (sent, abandoned or never started).
HttpResponse export_xlsx(const Config& config, const HttpRequest& req, const AdminAccess& access) {
    const auto started = std::chrono::steady_clock::now();
    const std::string name = req.matches.size() > 1 ? req.matches[1] : std::string();
    const core::Instant now = wall_now();
    // The same scope as the CSV: an official's session sees its subtree only, and without a
    // unit the workbook is of the session's own unit.
    std::unique_ptr<storage::Database> db;
    try {
        storage::Database::Options o;
        o.migrate = false;  // `serve` migrated at start-up
        db = std::make_unique<storage::Database>(config.database, o);
    } catch (const std::exception& e) {
        log::error("admin.export",
                   {{"export", name}, {"outcome", "setup_failed"}, {"error", e.what()}});
        return json_error(500, "export unavailable");
    }
    if (const auto refused = scope_refusal(*db, access, req)) {
        log::warn("admin.export",
                  {{"export", name}, {"outcome", "out_of_scope"}, {"actor", access.actor()}});
        return json_error(403, *refused);
    }
    const auto lookup = [&](const char* key) -> std::optional<std::string> {
        auto v = param(req, key);
        if (!v && access.scoped() && std::string_view(key) == "unit") return access.web->unit_code;
        return v;
    };
    auto made = build_xlsx_download(config, name, lookup, now);
    if (!made) {
        const int status = made.error().status;
        if (status == 500)
            log::error(
                "admin.export",
                {{"export", name}, {"outcome", "setup_failed"}, {"error", made.error().message}});
        return json_error(status, status == 500 ? "export unavailable" : made.error().message);
    }
    struct TempFile {
        std::string path;
        ~TempFile() { std::remove(path.c_str()); }
    };
    // Made in place: a temporary TempFile would delete the file as it is copied.
    auto file = std::make_shared<TempFile>();
    file->path = made->path;
    web::audit(*db, access.person(), access.actor(), "export",
               fmt::format("{} (unit {})", req.target, lookup("unit").value_or("*")), req.client,
               now);
    HttpResponse res;
    res.status = 200;
    res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"{}\"", made->file_name));
    res.set_header("Cache-Control", "no-store");
    res.stream = [file, name, rows = made->rows, started](BodySink& sink) {
        std::ifstream in(file->path, std::ios::binary);
        std::string buffer(64 * 1024, '\0');
        bool ok = static_cast<bool>(in);
        while (ok && in) {
            in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            const auto n = static_cast<std::size_t>(in.gcount());
            if (n > 0 && !sink.write(buffer.data(), n)) ok = false;
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        log::info("admin.export", {{"export", name},
                                   {"format", "xlsx"},
                                   {"outcome", ok ? "ok" : "client_gone"},
                                   {"rows", rows},
                                   {"latency_ms", ms}});
        return ok;
    };
    return res;
}

HttpResponse export_csv(const Config& config, const HttpRequest& req, const AdminAccess& access) {
    const auto started = std::chrono::steady_clock::now();
    const std::string name = req.matches.size() > 1 ? req.matches[1] : std::string();
    if (req.matches.size() > 2 && req.matches[2] == "xlsx") return export_xlsx(config, req, access);
    const auto kind = storage::parse_export_kind(name);
    if (!kind) return json_error(404, "no such export");

    const core::Instant now = wall_now();
    const auto range = parse_export_range(param(req, "period"), param(req, "from"),
                                          param(req, "to"), param(req, "quarter"), now);
    if (!range) return json_error(400, range.error());

    auto job = std::make_shared<ExportJob>();
    job->kind = *kind;
    job->request.from = range->from;
    job->request.to = range->to;
    job->request.unit = param(req, "unit");
    if (auto level = param(req, "level")) job->request.level = std::move(*level);
    job->request.now = now;
    job->request.month_to_date = truthy(req, "month_to_date");
    job->codes = truthy(req, "codes");
    job->options = core::CsvWriterOptions{truthy(req, "semicolon") ? ';' : ',', true, true};
    try {
        job->templates = load_export_templates(find_templates_dir(config.templates_dir));
        storage::Database::Options o;
        o.migrate = false;  // `serve` migrated at start-up
        job->db = std::make_unique<storage::Database>(config.database, o);
    } catch (const std::exception& e) {
        log::error("admin.export",
                   {{"export", name}, {"outcome", "setup_failed"}, {"error", e.what()}});
        return json_error(500, "export unavailable");
    }
    // An official's session sees its subtree only: a unit or level outside it is refused, and
    // without a unit the export is of the session's own unit.
    if (const auto refused = scope_refusal(*job->db, access, req)) {
        log::warn("admin.export",
                  {{"export", name}, {"outcome", "out_of_scope"}, {"actor", access.actor()}});
        return json_error(403, *refused);
    }
    if (access.scoped() && !job->request.unit) job->request.unit = access.web->unit_code;
    if (const auto e = storage::check_export_request(*job->db, job->kind, job->request))
        return json_error(400, storage::describe(*e));
    web::audit(
        *job->db, access.person(), access.actor(), "export",
        fmt::format("{}.csv period {}..{} unit {} level {}", name, job->request.from.str(),
                    job->request.to.str(), job->request.unit.value_or("*"), job->request.level),
        req.client, now);

    HttpResponse res;
    res.status = 200;
    res.content_type = "text/csv; charset=utf-8";
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"{}\"",
                               storage::export_file_name(job->kind, range->label)));
    res.set_header("Cache-Control", "no-store");
    // Rows go to the socket as SQLite returns them; the provider runs once, after this handler.
    res.stream = [job, name, started](BodySink& sink) {
        try {
            SinkBuffer chunks(sink);
            std::ostream os(&chunks);
            core::CsvWriter writer(os, job->options);
            const storage::ExportLabels labels =
                job->codes ? storage::ExportLabels() : job->templates.vietnamese;
            const auto rows = storage::write_export(*job->db, job->kind, job->templates.form,
                                                    job->request, labels, writer);
            if (!os) {
                log::warn("admin.export", {{"export", name}, {"outcome", "client_gone"}});
                return false;
            }
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            log::info("admin.export", {{"export", name},
                                       {"outcome", "ok"},
                                       {"rows", rows ? *rows : 0},
                                       {"latency_ms", ms}});
            return true;
        } catch (const std::exception& e) {
            // Headers are gone already: dropping the connection is the only signal left.
            log::error("admin.export",
                       {{"export", name}, {"outcome", "failed"}, {"error", e.what()}});
            return false;
        }
    };
    return res;
}

}  // namespace

bool bearer_token_matches(std::string_view authorization, std::string_view token) {
    constexpr std::string_view kScheme = "bearer ";
    if (token.empty() || authorization.size() < kScheme.size()) return false;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive
        const char c = authorization[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i])
            return false;
    }
    return tokens_match(authorization.substr(kScheme.size()), token);
}

bool tokens_match(std::string_view given, std::string_view token) {
    if (token.empty()) return false;
    // Compare digests with CRYPTO_memcmp: the time taken depends neither on where the tokens
    // differ nor on their lengths.
    const auto digest = [](std::string_view text, unsigned char* out) {
        unsigned int size = 0;
        return EVP_Digest(text.data(), text.size(), out, &size, EVP_sha256(), nullptr) == 1 &&
               size == 32;
    };
    unsigned char a[32], b[32];
    if (!digest(given, a) || !digest(token, b)) return false;
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

bool admin_authorized(const HttpRequest& req, const Config& config, AdminSessions& sessions,
                      core::Instant now) {
    return admin_access(req, config, sessions, now).has_value();
}

std::optional<AdminAccess> admin_access(const HttpRequest& req, const Config& config,
                                        AdminSessions& sessions, core::Instant now) {
    // A bearer header decides alone (a wrong one is not rescued by a cookie); another scheme,
    // such as a proxy's Basic authentication, leaves the decision to the session cookie.
    const std::string authorization = req.header("Authorization");
    const bool bearer =
        authorization.size() >= 7 &&
        std::equal(authorization.begin(), authorization.begin() + 7, "bearer ",
                   [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
    if (bearer) {
        // Bearer guesses count against the client's address like failed logins; a throttled
        // address is refused even with the right token (else guessing would go on).
        if (!sessions.login_allowed(now, req.client)) {
            log::warn("admin.bearer", {{"outcome", "throttled"}, {"client", req.client}});
            return std::nullopt;
        }
        if (bearer_token_matches(authorization, config.secrets.admin_token)) return AdminAccess{};
        sessions.record_failure(now, req.client);
        log::warn("admin.bearer", {{"outcome", "refused"}, {"client", req.client}});
        return std::nullopt;
    }
    const std::string cookies = req.header("Cookie");
    if (const auto id = cookie_value(cookies, AdminSessions::kCookieName);
        id && sessions.valid(*id, now))
        return AdminAccess{};
    if (const auto token = cookie_value(cookies, web::kCookieName); token && token->size() == 64) {
        try {
            storage::Database::Options o;
            o.migrate = false;  // `serve` migrated at start-up
            storage::Database db(config.database, o);
            if (auto s = web::find_session(db, *token, now)) return AdminAccess{std::move(*s)};
        } catch (const std::exception& e) {
            log::error("admin.session", {{"outcome", "lookup_failed"}, {"error", e.what()}});
        }
    }
    return std::nullopt;
}

std::optional<std::string> scope_refusal(storage::Database& db, const AdminAccess& access,
                                         const HttpRequest& req) {
    if (!access.scoped()) return std::nullopt;
    if (req.has_param("unit") && !web::unit_in_scope(db, access.web->unit, req.param("unit")))
        return "unit outside your area";
    if (req.has_param("level") && !web::level_in_scope(db, access.web->unit, req.param("level")))
        return "level outside your area";
    // A team (the web page's team detail) is inside when its unit is.
    if (req.has_param("team")) {
        const auto team = storage::web_team(db, req.param("team"));
        if (!team || !storage::unit_within(db, team->unit, access.web->unit))
            return "team outside your area";
    }
    return std::nullopt;
}

HttpResponse admin_export(const Config& config, AdminSessions& sessions, const HttpRequest& req) {
    const core::Instant now = wall_now();
    const auto access = admin_access(req, config, sessions, now);
    if (!access) {
        log::warn("admin.export", {{"outcome", "unauthorized"}, {"status", 401}});
        HttpResponse res = json_error(401, "unauthorized");
        res.set_header("WWW-Authenticate", "Bearer");
        return res;
    }
    return export_csv(config, req, *access);
}

}  // namespace tcns::bot
