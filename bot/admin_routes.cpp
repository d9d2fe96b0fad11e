#include "bot/admin_routes.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "bot/admin_page.hpp"
#include "bot/export_support.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "core/csv_writer.hpp"
#include "storage/database.hpp"
#include "storage/exports.hpp"

namespace tcns::bot {

namespace {

void json_error(httplib::Response& res, int status, std::string_view message) {
    res.status = status;
    res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json; charset=utf-8");
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    return req.get_param_value(name);
}

bool truthy(const httplib::Request& req, const char* name) {
    const auto v = param(req, name);
    return v && (*v == "1" || *v == "true" || *v == "yes" || v->empty());
}

/// Gathers CSV records into chunks of about 64 KiB for the response, instead of one HTTP chunk
/// per record; memory stays bounded by the chunk size.
class ChunkBuffer : public std::streambuf {
  public:
    explicit ChunkBuffer(httplib::DataSink& sink) : sink_(sink) { buffer_.reserve(kChunk); }
    /// Sends what is buffered; false when the client has gone.
    bool flush_chunk() {
        if (buffer_.empty()) return ok_;
        ok_ = ok_ && sink_.write(buffer_.data(), buffer_.size());
        buffer_.clear();
        return ok_;
    }

  protected:
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        buffer_.append(s, static_cast<std::size_t>(n));
        if (buffer_.size() >= kChunk && !flush_chunk()) return 0;
        return n;
    }
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
    }

  private:
    static constexpr std::size_t kChunk = 64 * 1024;
    httplib::DataSink& sink_;
    std::string buffer_;
    bool ok_ = true;
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
/// temporary file first (build_xlsx_download), sent with its length, then deleted.
void export_xlsx(const Config& config, const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    const std::string name = req.matches[1];
    const core::Instant now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    auto made = build_xlsx_download(
        config, name, [&](const char* key) { return param(req, key); }, now);
    if (!made) {
        const int status = made.error().status;
        if (status == 500)
            log::error(
                "admin.export",
                {{"export", name}, {"outcome", "setup_failed"}, {"error", made.error().message}});
        return json_error(res, status, status == 500 ? "export unavailable" : made.error().message);
    }
    auto file = std::make_shared<std::ifstream>(made->path, std::ios::binary);
    const auto size = std::filesystem::file_size(made->path);
    const std::string path = made->path;
    res.status = 200;
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"{}\"", made->file_name));
    res.set_header("Cache-Control", "no-store");
    res.set_content_provider(
        size, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [file](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            std::string buffer(std::min<std::size_t>(length, 64 * 1024), '\0');
            file->seekg(static_cast<std::streamoff>(offset));
            file->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            const auto n = static_cast<std::size_t>(file->gcount());
            return n > 0 && sink.write(buffer.data(), n);
        },
        [path, name, rows = made->rows, started](bool success) {
            std::remove(path.c_str());
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            log::info("admin.export", {{"export", name},
                                       {"format", "xlsx"},
                                       {"outcome", success ? "ok" : "client_gone"},
                                       {"rows", rows},
                                       {"latency_ms", ms}});
        });
}

void export_csv(const Config& config, const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    const std::string name = req.matches[1];
    if (req.matches[2] == "xlsx") return export_xlsx(config, req, res);
    const auto kind = storage::parse_export_kind(name);
    if (!kind) return json_error(res, 404, "no such export");

    const core::Instant now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto range = parse_export_range(param(req, "period"), param(req, "from"),
                                          param(req, "to"), param(req, "quarter"), now);
    if (!range) return json_error(res, 400, range.error());

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
        return json_error(res, 500, "export unavailable");
    }
    if (const auto e = storage::check_export_request(*job->db, job->kind, job->request))
        return json_error(res, 400, storage::describe(*e));

    res.status = 200;
    res.set_header("Content-Disposition",
                   fmt::format("attachment; filename=\"{}\"",
                               storage::export_file_name(job->kind, range->label)));
    res.set_header("Cache-Control", "no-store");
    // Rows go to the socket as SQLite returns them; the provider runs once, after this handler.
    res.set_chunked_content_provider(
        "text/csv; charset=utf-8", [job, name, started](std::size_t, httplib::DataSink& sink) {
            try {
                ChunkBuffer chunks(sink);
                std::ostream os(&chunks);
                core::CsvWriter writer(os, job->options);
                const storage::ExportLabels labels =
                    job->codes ? storage::ExportLabels() : job->templates.vietnamese;
                const auto rows = storage::write_export(*job->db, job->kind, job->templates.form,
                                                        job->request, labels, writer);
                if (!os || !chunks.flush_chunk()) {
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
                sink.done();
                return true;
            } catch (const std::exception& e) {
                // Headers are gone already: dropping the connection is the only signal left.
                log::error("admin.export",
                           {{"export", name}, {"outcome", "failed"}, {"error", e.what()}});
                return false;
            }
        });
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

bool admin_authorized(const httplib::Request& req, const Config& config, AdminSessions& sessions,
                      core::Instant now) {
    // A bearer header decides alone (a wrong one is not rescued by a cookie); another scheme,
    // such as a proxy's Basic authentication, leaves the decision to the session cookie.
    const std::string authorization = req.get_header_value("Authorization");
    const bool bearer =
        authorization.size() >= 7 &&
        std::equal(authorization.begin(), authorization.begin() + 7, "bearer ",
                   [](char a, char b) { return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b; });
    if (bearer) return bearer_token_matches(authorization, config.secrets.admin_token);
    const auto id = cookie_value(req.get_header_value("Cookie"), AdminSessions::kCookieName);
    return id && sessions.valid(*id, now);
}

void register_admin_routes(httplib::Server& http, const Config& config) {
    if (config.secrets.admin_token.empty()) return;  // admin surface disabled: 404
    auto sessions = std::make_shared<AdminSessions>();
    http.Get(R"(/admin/exports/([a-z-]+)\.(csv|xlsx))",
             [config, sessions](const httplib::Request& req, httplib::Response& res) {
                 const core::Instant now = std::chrono::time_point_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now());
                 if (!admin_authorized(req, config, *sessions, now)) {
                     log::warn("admin.export", {{"outcome", "unauthorized"}, {"status", 401}});
                     res.set_header("WWW-Authenticate", "Bearer");
                     return json_error(res, 401, "unauthorized");
                 }
                 export_csv(config, req, res);
             });
    register_admin_page_routes(http, config, std::move(sessions));
}

}  // namespace tcns::bot
