#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>

#include <iostream>
#include <optional>
#include <thread>

#include "adapters/common/text_split.hpp"
#include "bot/channels/channel_registry.hpp"
#include "bot/channels/channel_senders.hpp"
#include "bot/channels/http_client.hpp"
#include "bot/channels/zalo_tokens.hpp"
#include "bot/cli/commands.hpp"
#include "bot/config.hpp"
#include "bot/http/health.hpp"
#include "bot/http/serve_metrics.hpp"
#include "bot/http/server.hpp"
#include "bot/http/webhook_service.hpp"
#include "bot/http/write_queue.hpp"
#include "bot/jobs/conversation_engine.hpp"
#include "bot/jobs/dispatcher.hpp"
#include "bot/jobs/scheduler.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"
#include "storage/backup.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

namespace {

/// The outcome journal's directory: the configured one or the default, said in the log with a
/// warning when it shares the database's filesystem (a broken disk would take both).
std::string journal_dir_for(const Config& config) {
    const std::string dir =
        config.outbox.journal_dir.empty() ? default_journal_dir() : config.outbox.journal_dir;
    ::mkdir(dir.c_str(), 0700);
    const JournalDirState st = inspect_journal_dir(dir, config.database);
    log::info("outbox.journal", {{"dir", dir}, {"waiting", st.waiting}});
    if (!st.usable)
        log::error("outbox.journal_unusable",
                   {{"dir", dir},
                    {"note",
                     "outcomes the database refuses are kept in memory only; fix the directory "
                     "or outbox.journal_dir"}});
    if (st.same_filesystem)
        log::warn("outbox.journal_same_filesystem",
                  {{"dir", dir},
                   {"database", config.database},
                   {"note",
                    "a disk that turns read-only takes the journal with it; set "
                    "outbox.journal_dir to another filesystem (e.g. /run/tcns)"}});
    return dir;
}

}  // namespace

int cmd_serve(CommandContext& ctx) {
    Args args(ctx.args);
    const auto port = args.option("port");
    args.done();

    Config config = load_config(ctx.global);
    if (port) {
        try {
            config.server.port = std::stoi(*port);
        } catch (const std::exception&) {
            throw UsageError("--port needs a number");
        }
    }
    log::set_level(config.log_level);
    // A broken form or messages file stops the start, not the first leader who writes.
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    log::info("templates.ready", {{"form", templates.form.id},
                                  {"version", std::to_string(templates.form.version)},
                                  {"dir", templates.dir}});
    check_database_writable(config.database);
    // Not SQLite, or a newer schema: exit 4 at once, which systemd does not restart.
    inspect_database(config.database, /*quick_check=*/false);
    // Held for the whole life of the server: `tcns restore` refuses while it is taken, and a
    // second server on the same database stops here.
    const auto lock = storage::ServeLock::try_acquire(config.database);
    if (!lock)
        throw std::runtime_error(fmt::format("another tcns server is running on {} (it holds {})",
                                             config.database, config.database + ".lock"));
    try {
        storage::Database db(config.database);  // creates and migrates
        log::info("db.ready", {{"path", config.database}, {"schema", db.schema_version()}});
    } catch (const storage::StorageError& e) {
        // Damage the header check cannot see shows up here; a restart would meet it again.
        const std::string what = e.what();
        if (what.find("malformed") != std::string::npos ||
            what.find("not a database") != std::string::npos)
            throw DatabaseError(what + "; restore a backup");
        throw;
    }

    // Block SIGINT/SIGTERM in every thread; one thread waits for them and stops the server.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    // The durable webhook path and the outbox dispatcher (DESIGN.md decisions 1 and 3).
    WriteQueue writes(config.database);
    ConversationEngine engine(templates, config.scheduler, config.public_url);
    WebhookService webhooks(writes, engine);
    HttpClient http;
    std::optional<ZaloTokenManager> zalo_tokens;
    std::vector<std::shared_ptr<ChannelSender>> senders;
    if (config.zalo.enabled) {
        if (config.secrets.zalo_app_secret.empty())
            log::warn("zalo.no_app_secret",
                      {{"error",
                        "TCNS_ZALO_APP_SECRET is not set: the access token cannot be "
                        "refreshed (see tcns check-config)"}});
        ZaloTokenManager::Options o;
        o.oauth_base = config.zalo.oauth_base;
        o.app_id = config.secrets.zalo_app_id;
        o.app_secret = config.secrets.zalo_app_secret;
        zalo_tokens.emplace(config.database, o, http);
    }
    SenderDeps deps{http, zalo_tokens ? &*zalo_tokens : nullptr};
    for (const ChannelSpec& spec : channel_registry()) {
        if (!spec.enabled || !spec.enabled(config)) continue;
        if (spec.max_text_chars > 0) {
            webhooks.set_splitter(std::string(spec.name),
                                  [chars = spec.max_text_chars,
                                   bytes = spec.max_text_bytes](const core::OutboundMessage& m) {
                                      return adapters::split_message(m, chars, bytes);
                                  });
        }
        if (spec.make_sender)
            if (auto sender = spec.make_sender(config, deps)) senders.push_back(std::move(sender));
    }
    std::vector<std::string> channels;
    for (const auto& s : senders) channels.push_back(s->channel());
    register_serve_metrics(config.database, channels);
    DispatcherOptions dispatch;
    dispatch.give_up_after = std::chrono::hours(config.outbox.give_up_hours);
    dispatch.max_backoff = std::chrono::minutes(config.outbox.max_backoff_minutes);
    dispatch.quiet = config.scheduler.policy.quiet;
    dispatch.journal_dir = journal_dir_for(config);
    dispatch.render = [&templates](const std::string& key, const core::Params& params) {
        return templates.messages.render(key, params);
    };
    Dispatcher dispatcher(config.database, senders, dispatch, {}, &writes);
    // Its loop beats at least every idle wait; a wave of sends that time out takes longer, so
    // only two minutes without a beat make /readyz fail.
    heartbeat::expect("dispatcher", std::chrono::seconds(120));
    dispatcher.start();

    Server server(config, &webhooks, [&dispatcher] { dispatcher.wake(); });
    server.bind();
    log::info("server.listening", {{"address", config.server.listen}, {"port", server.port()}});
    ctx.out << "tcns listening on http://" << config.server.listen << ":" << server.port()
            << " (Ctrl-C to stop)" << std::endl;

    std::unique_ptr<SchedulerThread> scheduler;
    if (config.scheduler.enabled) {
        scheduler = std::make_unique<SchedulerThread>(config.database, templates, config.scheduler,
                                                      SchedulerThread::Clock{}, &writes);
        heartbeat::expect("scheduler",
                          std::chrono::seconds(std::max(300, 3 * config.scheduler.tick_seconds)));
        scheduler->start();
        log::info("scheduler.started", {{"tick_s", config.scheduler.tick_seconds}});
    }

    std::thread signals([&server, set] {
        int sig = 0;
        sigwait(&set, &sig);
        log::info("server.stopping", {{"signal", sig}});
        server.stop();
    });
    server.run();
    // run() also returns when the listener fails; wake the signal thread so it can end.
    pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
    heartbeat::forget("scheduler");
    heartbeat::forget("dispatcher");
    if (scheduler) scheduler->stop();
    dispatcher.stop();
    writes.stop();
    log::info("server.stopped");
    return 0;
}

}  // namespace tcns::bot
