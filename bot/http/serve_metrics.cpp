#include "bot/http/serve_metrics.hpp"

#include <chrono>
#include <memory>
#include <mutex>

#include "bot/clock.hpp"
#include "bot/log.hpp"
#include "bot/metrics.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"

namespace tcns::bot {

void register_serve_metrics(const std::string& db_path, const std::vector<std::string>& channels) {
    auto& m = Metrics::instance();
    m.describe("tcns_webhooks_total", "Webhook requests by channel and outcome.");
    m.describe("tcns_webhook_signature_failures_total",
               "Webhooks whose signature did not verify, by channel and reason.");
    m.describe("tcns_webhook_duration_seconds", "Time to answer a webhook (durable commit).");
    m.describe("tcns_outbox_sends_total", "Outbox send attempts by channel and result class.");
    m.describe("tcns_reports_submitted_total", "Reports stored (all revisions), by channel.");
    for (const auto& c : channels) {
        const std::string ch = "channel=\"" + c + "\"";
        m.add("tcns_webhooks_total", ch + ",outcome=\"ok\"", 0);
        m.add("tcns_webhook_signature_failures_total", ch + ",reason=\"mismatch\"", 0);
        m.add("tcns_outbox_sends_total", ch + ",result=\"success\"", 0);
        m.add("tcns_reports_submitted_total", ch, 0);
    }

    // One read connection for the scrapes; /metrics may be read from several server threads.
    struct Reader {
        std::mutex mu;
        std::unique_ptr<storage::Database> db;
        std::string path;
        std::pair<std::int64_t, std::int64_t> read() {
            std::lock_guard lock(mu);
            try {
                if (!db) {
                    storage::Database::Options o;
                    o.migrate = false;
                    db = std::make_unique<storage::Database>(path, o);
                }
                const auto now = wall_now();
                const auto r = storage::OutboxRepo(*db).depth_and_oldest_age(now);
                db->reset_cached();
                return r;
            } catch (const std::exception& e) {
                log::warn("metrics.outbox_read_failed", {{"error", e.what()}});
                db.reset();
                return {-1, -1};
            }
        }
        std::int64_t dead() {
            std::lock_guard lock(mu);
            try {
                if (!db) {
                    storage::Database::Options o;
                    o.migrate = false;
                    db = std::make_unique<storage::Database>(path, o);
                }
                const auto n = storage::OutboxRepo(*db).dead_letters();
                db->reset_cached();
                return n;
            } catch (const std::exception& e) {
                log::warn("metrics.outbox_read_failed", {{"error", e.what()}});
                db.reset();
                return -1;
            }
        }
    };
    auto reader = std::make_shared<Reader>();
    reader->path = db_path;
    m.gauge("tcns_outbox_pending", "Outbox rows waiting to be sent (-1: unreadable).", [reader] {
        return std::vector<std::pair<std::string, double>>{
            {"", static_cast<double>(reader->read().first)}};
    });
    m.describe("tcns_outbox_stale_total",
               "Bulk rows dropped at send time because they were no longer true, by reason.");
    for (const char* reason : {"expired", "reported", "deadline_moved"})
        m.add("tcns_outbox_stale_total", std::string("reason=\"") + reason + "\"", 0);
    m.describe("tcns_outbox_record_failures_total",
               "Send outcomes the database refused to record (sending stops until it can).");
    m.add("tcns_outbox_record_failures_total", "", 0);
    m.describe("tcns_outbox_journaled_total",
               "Send outcomes the database refused, written to the outcome journal instead "
               "(outbox.journal_dir).");
    m.add("tcns_outbox_journaled_total", "", 0);
    m.describe("tcns_outbox_journal_replayed_total",
               "Outcomes from the outcome journal recorded into the outbox (at start, or when "
               "the database took writes again).");
    m.add("tcns_outbox_journal_replayed_total", "", 0);
    m.describe("tcns_outbox_journal_failures_total",
               "Send outcomes neither the database nor the outcome journal could take (sending "
               "stops until the database can).");
    m.add("tcns_outbox_journal_failures_total", "", 0);
    m.describe("tcns_outbox_uncertain_total",
               "Rows given up as uncertain: resent once after a send without an answer, and "
               "that resend failed too (maybe delivered; tcns outbox list).");
    m.add("tcns_outbox_uncertain_total", "", 0);
    m.gauge("tcns_outbox_dead_letters",
            "Outbox rows given up (dead, unreachable or uncertain; tcns outbox list) "
            "(-1: unreadable).",
            [reader] {
                return std::vector<std::pair<std::string, double>>{
                    {"", static_cast<double>(reader->dead())}};
            });
    m.gauge("tcns_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row (0 when none; -1: unreadable).", [reader] {
                return std::vector<std::pair<std::string, double>>{
                    {"", static_cast<double>(reader->read().second)}};
            });
}

}  // namespace tcns::bot
