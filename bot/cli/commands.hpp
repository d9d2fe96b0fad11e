#pragma once

#include "bot/cli/cli.hpp"

namespace tcns::bot {

// One function per top-level command, each in its own cmd_<name>.cpp.
int cmd_serve(CommandContext& ctx);
int cmd_migrate(CommandContext& ctx);
int cmd_period(CommandContext& ctx);
int cmd_check_config(CommandContext& ctx);
int cmd_import(CommandContext& ctx);
int cmd_demo(CommandContext& ctx);
int cmd_export(CommandContext& ctx);
int cmd_chat(CommandContext& ctx);
int cmd_viber(CommandContext& ctx);
int cmd_zalo(CommandContext& ctx);
int cmd_zalo_bot(CommandContext& ctx);
int cmd_backup(CommandContext& ctx);
int cmd_restore(CommandContext& ctx);
int cmd_invites(CommandContext& ctx);
int cmd_remind(CommandContext& ctx);
int cmd_simulate(CommandContext& ctx);
int cmd_outbox(CommandContext& ctx);
int cmd_sessions(CommandContext& ctx);
int cmd_audit(CommandContext& ctx);

}  // namespace tcns::bot
