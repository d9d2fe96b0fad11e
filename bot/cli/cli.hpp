#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcns::bot {

/// Options that come before the command: `tcns [--db FILE] [--config FILE] <command> …`.
struct GlobalOptions {
    std::string db_path;      ///< --db, else TCNS_DB, else the config's "database", else tcns.db
    std::string config_path;  ///< --config, else TCNS_CONFIG (empty: built-in defaults)
};

/// Everything a command needs; streams are injected so that tests can drive commands.
struct CommandContext {
    GlobalOptions global;
    std::vector<std::string> args;  ///< arguments after the command name
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
};

/// Thrown for a wrong command line; main prints it with the usage line and exits 2.
class UsageError : public std::exception {
  public:
    explicit UsageError(std::string msg) : msg_(std::move(msg)) {}
    const char* what() const noexcept override { return msg_.c_str(); }

  private:
    std::string msg_;
};

/// A tiny argument reader: `--name value`, `--name=value`, `--flag` and positionals.
class Args {
  public:
    explicit Args(std::vector<std::string> args) : args_(std::move(args)) {}
    /// Removes and returns the value of `--name`; nullopt when absent.
    std::optional<std::string> option(std::string_view name);
    /// Removes `--name` and reports whether it was present.
    bool flag(std::string_view name);
    /// Removes and returns the next positional argument; throws UsageError when missing.
    std::string positional(std::string_view what);
    std::optional<std::string> optional_positional();
    /// Throws UsageError when anything is left over.
    void done() const;

  private:
    std::vector<std::string> args_;
};

/// An option's value as a whole number (std::stoll, nothing left over); nullopt when it is not
/// one. Each command keeps its own range check and message.
std::optional<std::int64_t> whole_number(const std::string& text);

/// Entry point used by main() and by black-box tests of the CLI.
int run_cli(int argc, const char* const* argv, std::istream& in, std::ostream& out,
            std::ostream& err);

}  // namespace tcns::bot
