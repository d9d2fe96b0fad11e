#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <ostream>
#include <stdexcept>

#include "adapters/console/console_adapter.hpp"
#include "bot/cli/commands.hpp"
#include "bot/cli/console_chat.hpp"
#include "bot/clock.hpp"
#include "bot/config.hpp"
#include "bot/paths.hpp"
#include "bot/templates.hpp"

namespace tcns::bot {

namespace {

void print(std::ostream& out, const std::vector<core::OutboundMessage>& replies) {
    for (const auto& r : replies) out << adapters::console::render(r) << "\n\n";
    out.flush();
}

}  // namespace

int cmd_chat(CommandContext& ctx) {
    Args args(ctx.args);
    const auto as = args.option("as");
    const auto at = args.option("now");
    args.done();
    if (!as) throw UsageError("chat needs --as <phone or invite code>");
    std::optional<core::Instant> fixed;
    if (at) {
        fixed = core::parse_instant(*at);
        if (!fixed) throw UsageError("--now wants YYYY-MM-DDTHH:MM (Vietnam time)");
    }
    auto now = [&] { return fixed ? *fixed : wall_now(); };

    const Config config = load_config(ctx.global);
    const Templates templates = load_templates(find_templates_dir(config.templates_dir));
    storage::Database db(config.database);
    std::optional<ConsoleChat> chat;
    try {
        chat.emplace(db, templates, *as, now(), config.public_url);
    } catch (const std::invalid_argument& e) {
        ctx.err << "tcns: " << e.what() << "\n";
        return 1;
    }
    // Typed at a terminal the lines are already on screen; piped in, they are echoed so that
    // the output reads as a dialogue.
    const bool echo = &ctx.in != &std::cin || !isatty(STDIN_FILENO);
    print(ctx.out, chat->open(now()));
    std::string line;
    while (true) {
        if (!echo) ctx.out << "> " << std::flush;
        if (!std::getline(ctx.in, line)) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (echo) ctx.out << "> " << line << "\n";
        if (line.empty()) continue;
        print(ctx.out, chat->send(line, now()));
    }
    return 0;
}

}  // namespace tcns::bot
