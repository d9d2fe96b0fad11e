#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "bot/commands.hpp"
#include "bot/config.hpp"
#include "bot/log.hpp"
#include "bot/paths.hpp"
#include "bot/scheduler.hpp"
#include "bot/server.hpp"
#include "bot/templates.hpp"
#include "storage/database.hpp"

namespace tcns::bot {

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
    {
        storage::Database db(config.database);  // creates and migrates
        log::info("db.ready", {{"path", config.database}, {"schema", db.schema_version()}});
    }

    // Block SIGINT/SIGTERM in every thread; one thread waits for them and stops the server.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    Server server(config);
    server.bind();
    log::info("server.listening", {{"address", config.server.listen}, {"port", server.port()}});
    ctx.out << "tcns listening on http://" << config.server.listen << ":" << server.port()
            << " (Ctrl-C to stop)" << std::endl;

    std::unique_ptr<SchedulerThread> scheduler;
    if (config.scheduler.enabled) {
        scheduler = std::make_unique<SchedulerThread>(config.database, templates, config.scheduler);
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
    if (scheduler) scheduler->stop();
    log::info("server.stopped");
    return 0;
}

}  // namespace tcns::bot
