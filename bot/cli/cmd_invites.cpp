#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "bot/cli/commands.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"
#include "storage/group_repo.hpp"
#include "storage/invite_sheet.hpp"

namespace tcns::bot {

namespace {

std::string vn_date(core::Instant t) {
    const auto d = core::to_vietnam(t).date;
    return fmt::format("{:02}/{:02}/{:04}", d.day, d.month, d.year);
}

/// 84912345678 -> 0912345678, as people write their number.
std::string local_phone(const std::string& phone) {
    return phone.rfind("84", 0) == 0 ? "0" + phone.substr(2) : phone;
}

std::string role_vi(const std::string& role) {
    return role == "leader" ? "Tổ trưởng" : role == "deputy" ? "Tổ phó" : role;
}

/// Opens the bot's chat in Viber with the code as the conversation's context, so that the
/// first message the bot receives carries the code (Viber passes `context` in the
/// conversation_started event).
std::string viber_link(const std::string& uri, const std::string& code) {
    if (uri.empty() || code.empty()) return "";
    return fmt::format("viber://pa?chatURI={}&context={}", uri, code);
}

std::string csv_field(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

/// `tcns invites group --unit CODE [--days N]`: a one-time code that links a group chat to the
/// unit (issue 17); an official of the unit sends it in the group.
int invites_group(CommandContext& ctx, Args& args) {
    const auto unit = args.option("unit");
    const std::string days_text = args.option("days").value_or("30");
    args.done();
    if (!unit) throw UsageError("invites group needs --unit CODE");
    // "30x" is refused, not read as 30 (whole_number: nothing may be left over).
    const std::int64_t days = whole_number(days_text).value_or(0);
    if (days < 1 || days > 365) throw UsageError("--days must be a number from 1 to 365");

    const Config config = load_config(ctx.global);
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    storage::Database db(config.database);
    SQLite::Statement q(db.handle(), "SELECT id, name FROM units WHERE code = ?");
    q.bind(1, *unit);
    if (!q.executeStep()) {
        ctx.err << fmt::format("tcns: no unit with code '{}'\n", *unit);
        return 1;
    }
    const core::UnitId unit_id = q.getColumn(0).getInt64();
    const std::string unit_name = q.getColumn(1).getString();
    q.reset();
    const auto now = wall_now();
    const auto ttl = std::chrono::hours(24) * days;
    std::string code;
    storage::with_transaction(db, [&] {
        code = storage::GroupRepo(db).issue_invite(
            unit_id, now, std::chrono::duration_cast<std::chrono::seconds>(ttl));
    });
    ctx.out << templates.messages.render("group.invite_issued", {{"unit", unit_name},
                                                                 {"unit_code", *unit},
                                                                 {"code", code},
                                                                 {"expires", vn_date(now + ttl)}})
            << "\n";
    return 0;
}

/// `tcns invites groups`: the linked group chats, by unit.
int invites_groups(CommandContext& ctx, Args& args) {
    args.done();
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    const auto groups = storage::GroupRepo(db).all();
    if (groups.empty()) {
        ctx.out << "no linked group chats\n";
        return 0;
    }
    for (const auto& g : groups)
        ctx.out << fmt::format("group {}: {} chat {} -> unit {} ({})\n", g.id, g.channel, g.chat_id,
                               g.unit_code, g.unit_name);
    return 0;
}

/// `tcns invites unlink --group ID`: the group stops receiving anything (its queued messages
/// are dropped); an official can link it again with a new code.
int invites_unlink(CommandContext& ctx, Args& args) {
    const auto id_text = args.option("group");
    args.done();
    if (!id_text) throw UsageError("invites unlink needs --group ID (see tcns invites groups)");
    const std::int64_t id = whole_number(*id_text).value_or(0);
    if (id <= 0) throw UsageError("--group must be a group id from tcns invites groups");
    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    std::optional<std::pair<storage::ChatGroup, std::int64_t>> done;
    storage::with_transaction(db, [&] { done = storage::GroupRepo(db).unlink(id, wall_now()); });
    if (!done) {
        ctx.err << fmt::format("tcns: no linked group with id {}\n", id);
        return 1;
    }
    ctx.out << fmt::format(
        "group {} ({} chat {}) unlinked from unit {} ({}); {} queued "
        "message(s) dropped\n",
        id, done->first.channel, done->first.chat_id, done->first.unit_code, done->first.unit_name,
        done->second);
    return 0;
}

}  // namespace

int cmd_invites(CommandContext& ctx) {
    Args args(ctx.args);
    const std::string sub = args.positional("subcommand (print, group, groups, unlink)");
    if (sub == "group") return invites_group(ctx, args);
    if (sub == "groups") return invites_groups(ctx, args);
    if (sub == "unlink") return invites_unlink(ctx, args);
    if (sub != "print") throw UsageError(fmt::format("unknown invites subcommand '{}'", sub));
    const auto unit = args.option("unit");
    const auto viber_uri = args.option("viber-uri").value_or("");
    const bool csv = args.flag("csv");
    args.done();
    if (!unit) throw UsageError("invites print needs --unit CODE");

    const Config config = load_config(ctx.global);
    storage::Database db(config.database);
    const auto now = wall_now();
    const auto rows = storage::invite_sheet(db, *unit, now);
    if (!rows) {
        ctx.err << fmt::format("tcns: no unit with code '{}'\n", *unit);
        return 1;
    }

    if (csv) {
        // A BOM so that Excel opens the file as UTF-8.
        ctx.out << "\xEF\xBB\xBF"
                << "unit_code,unit_name,team_code,team_name,role,full_name,phone,invite_code,"
                   "expires,linked,viber_link\r\n";
        for (const auto& r : *rows) {
            const std::string code = r.linked ? "" : r.code;
            ctx.out << csv_field(r.unit_code) << ',' << csv_field(r.unit_name) << ','
                    << csv_field(r.team_code) << ',' << csv_field(r.team_name) << ','
                    << csv_field(r.role) << ',' << csv_field(r.full_name) << ','
                    << csv_field(local_phone(r.phone)) << ',' << csv_field(code) << ','
                    << csv_field(r.expires && !r.linked ? vn_date(*r.expires) : "") << ','
                    << (r.linked ? "yes" : "no") << ',' << csv_field(viber_link(viber_uri, code))
                    << "\r\n";
        }
        return 0;
    }

    ctx.out << fmt::format("DANH SÁCH MÃ MỜI – đơn vị {} (in ngày {})\n", *unit, vn_date(now));
    ctx.out << "Mỗi người nhắn mã của mình cho OA Zalo hoặc bot Viber để liên kết tài khoản; "
               "mỗi mã chỉ dùng một lần.\n";
    std::string last_team;
    for (const auto& r : *rows) {
        if (r.team_code != last_team) {
            ctx.out << fmt::format("\n{} ({}) – {} ({})\n", r.unit_name, r.unit_code, r.team_name,
                                   r.team_code);
            last_team = r.team_code;
        }
        std::string status;
        if (r.linked)
            status = "đã liên kết tài khoản chat";
        else if (r.code.empty())
            status = "chưa có mã còn hạn (chạy lại tcns import people)";
        else
            status = fmt::format("mã {} (hạn {})", r.code, vn_date(*r.expires));
        ctx.out << fmt::format("  {:<9}  {} – {} – {}\n", role_vi(r.role), r.full_name,
                               local_phone(r.phone), status);
        if (!r.linked && !r.code.empty() && !viber_uri.empty())
            ctx.out << fmt::format("             Viber: {}\n", viber_link(viber_uri, r.code));
    }
    if (rows->empty()) ctx.out << "\n(không có tổ trưởng, tổ phó nào trong đơn vị này)\n";
    return 0;
}

}  // namespace tcns::bot
