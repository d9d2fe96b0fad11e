// Prepares the webhook load benchmark: a database with N team leaders, each linked to a Viber
// or Zalo account and in the middle of the monthly report (at question 1), and a file of
// correctly signed webhook requests that walk every leader through the whole form and submit it.
// Consecutive requests hit different leaders, as at a month-end peak.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "adapters/common/crypto.hpp"
#include "core/conversation.hpp"
#include "core/period.hpp"
#include "storage/chat_store.hpp"
#include "storage/database.hpp"

using namespace tcns;
using nlohmann::json;

int main(int argc, char** argv) {
    std::string db_path, out_path, viber_token, zalo_app, zalo_key;
    int leaders = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const std::string v = argv[i + 1];
        if (a == "--db")
            db_path = v;
        else if (a == "--out")
            out_path = v;
        else if (a == "--leaders")
            leaders = std::stoi(v);
        else if (a == "--viber-token")
            viber_token = v;
        else if (a == "--zalo-app")
            zalo_app = v;
        else if (a == "--zalo-key")
            zalo_key = v;
    }
    if (db_path.empty() || out_path.empty() || viber_token.empty() || zalo_app.empty() ||
        zalo_key.empty()) {
        std::cerr << "usage: bench_prepare --db F --out F --leaders N --viber-token T "
                     "--zalo-app A --zalo-key K\n";
        return 2;
    }
    const auto now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string period = core::MonthPeriod::containing(now).str();
    storage::Database db(db_path);
    {
        storage::WriteTransaction tx(db);
        auto& h = db.handle();
        h.exec(
            "INSERT INTO units (id, code, name, type, level) VALUES (1, 'P', 'Tỉnh', 'Tỉnh', "
            "'province')");
        const int communes = std::max(1, leaders / 20);
        SQLite::Statement unit(h,
                               "INSERT INTO units (id, code, name, type, level, parent_id) "
                               "VALUES (?, ?, ?, ?, ?, ?)");
        for (int c = 0; c < communes; ++c) {
            unit.reset();
            unit.bind(1, 10 + c);
            unit.bind(2, fmt::format("C{}", c));
            unit.bind(3, fmt::format("Xã {}", c));
            unit.bind(4, "Xã");
            unit.bind(5, "commune");
            unit.bind(6, 1);
            unit.exec();
        }
        SQLite::Statement team(h,
                               "INSERT INTO teams (id, code, unit_id, name) VALUES (?, ?, ?, ?)");
        SQLite::Statement person(h, "INSERT INTO people (id, phone, full_name) VALUES (?, ?, ?)");
        SQLite::Statement role(
            h, "INSERT INTO roles (person_id, role, team_id) VALUES (?, 'leader', ?)");
        SQLite::Statement account(
            h,
            "INSERT INTO chat_accounts (id, channel, platform_user_id, person_id, created_at, "
            "linked_at, last_inbound_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        SQLite::Statement conv(h,
                               "INSERT INTO conversations (account_id, state, updated_at) "
                               "VALUES (?, ?, ?)");
        const std::int64_t t = core::to_unix(now);
        for (int i = 0; i < leaders; ++i) {
            const std::int64_t id = i + 1;
            const std::int64_t hamlet = 100000 + i;
            unit.reset();
            unit.bind(1, hamlet);
            unit.bind(2, fmt::format("H{}", i));
            unit.bind(3, fmt::format("Ấp {}", i % 20 + 1));
            unit.bind(4, "Ấp");
            unit.bind(5, "hamlet");
            unit.bind(6, 10 + i % communes);
            unit.exec();
            team.reset();
            team.bind(1, id);
            team.bind(2, fmt::format("T{}", i));
            team.bind(3, hamlet);
            team.bind(4, fmt::format("Tổ CNS Ấp {}", i % 20 + 1));
            team.exec();
            person.reset();
            person.bind(1, id);
            person.bind(2, fmt::format("849{:08d}", i));
            person.bind(3, fmt::format("Tổ trưởng {}", i));
            person.exec();
            role.reset();
            role.bind(1, id);
            role.bind(2, id);
            role.exec();
            account.reset();
            account.bind(1, id);
            account.bind(2, i % 2 == 0 ? "viber" : "zalo");
            account.bind(3, i % 2 == 0 ? fmt::format("V{:08d}=", i)
                                       : fmt::format("{}", 7000000000000000000LL + i));
            account.bind(4, id);
            account.bind(5, t);
            account.bind(6, t);
            account.bind(7, t);
            account.exec();
            core::ConversationState s;
            s.at = core::steps::Asking{};
            s.team = id;
            s.period = period;
            s.index = 0;
            conv.reset();
            conv.bind(1, id);
            conv.bind(2, storage::ConversationRepo::encode(s));
            conv.bind(3, t);
            conv.exec();
        }
        tx.commit();
    }
    // What a leader types, in form order: 13 counts (the soft checks hold), a difficulty (its
    // category, then its text), no proposal, and "gửi": the report is submitted and stored.
    const char* answers[] = {"120",          "45 hộ", "30",
                             "hai mươi lăm", "12",    "10",
                             "40",           "0",     "3",
                             "15",           "2",     "35",
                             "110",          "1",     "sóng yếu ở cuối ấp, khó cài VNeID",
                             "bỏ qua",       "gửi"};
    std::ofstream out(out_path, std::ios::binary);
    long long token = 5000000000000000000LL;
    std::size_t count = 0;
    // Leaders start at staggered times: cohort c (leaders i with i % steps == c) sends its step
    // k in round c + k. After the first rounds, every step of the form (the submission too) is
    // in the mix at any moment of a run, and one leader's consecutive steps are a round apart
    // (thousands of requests), so they never race on two connections.
    const int steps = static_cast<int>(std::size(answers));
    for (int round = 0; round < 2 * steps - 1; ++round) {
        for (int i = 0; i < leaders; ++i) {
            const int step = round - i % steps;
            if (step < 0 || step >= steps) continue;
            const char* answer = answers[step];
            ++token;
            std::string path, header, sig, body;
            if (i % 2 == 0) {
                body = json{{"event", "message"},
                            {"timestamp", core::to_unix(now) * 1000},
                            {"message_token", token},
                            {"sender", {{"id", fmt::format("V{:08d}=", i)}, {"name", "A"}}},
                            {"message", {{"type", "text"}, {"text", answer}}}}
                           .dump();
                path = "/webhook/viber";
                header = "X-Viber-Content-Signature";
                sig = adapters::hmac_sha256_hex(viber_token, body);
            } else {
                const std::string ts = std::to_string(core::to_unix(now) * 1000 + (token % 1000));
                body = json{
                    {"app_id", zalo_app},
                    {"event_name", "user_send_text"},
                    {"sender", {{"id", fmt::format("{}", 7000000000000000000LL + i)}}},
                    {"recipient", {{"id", "1646843870823903717"}}},
                    {"message", {{"text", answer}, {"msg_id", fmt::format("z{}", token)}}},
                    {"timestamp",
                     ts}}.dump();
                path = "/webhook/zalo";
                header = "X-ZEvent-Signature";
                sig = "mac=" + adapters::sha256_hex(zalo_app + body + ts + zalo_key);
            }
            out << path << '\t' << header << '\t' << sig << '\t' << body << '\n';
            ++count;
        }
    }
    std::cerr << fmt::format("prepared {} leaders and {} signed webhooks in {}\n", leaders, count,
                             out_path);
    return 0;
}
