#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "bot/cli/cli.hpp"

namespace tcns::test {

/// What a `tcns …` command line printed and returned, run in-process.
struct CliResult {
    int rc = 0;
    std::string out;
    std::string err;
};

/// Runs the CLI as `tcns <args…>` with `input` on standard input.
inline CliResult tcns_cli(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<const char*> argv{"tcns"};
    for (const auto& a : args) argv.push_back(a.c_str());
    std::istringstream in(input);
    std::ostringstream out, err;
    CliResult r;
    r.rc = bot::run_cli(static_cast<int>(argv.size()), argv.data(), in, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

}  // namespace tcns::test
