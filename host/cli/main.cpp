// pgorch-host: entry point. Parses the command line, sets up logging and signals, dispatches.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/log.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

std::atomic<bool> g_cancel{false};

extern "C" void on_signal(int) {
    // Only async-signal-safe work here: the engine and the runtimes poll the flag.
    g_cancel.store(true);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace pgorch;
    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = cli::parse(args);
    if (!parsed) {
        cli::print_error(parsed.error());
        return static_cast<int>(parsed.error().code);
    }
    cli::Options& o = *parsed;
    if (o.version) {
        std::cout << "pgorch-host " << PGORCH_VERSION << " (plugin ABI " << PGORCH_ABI_MAJOR << "." << PGORCH_ABI_MINOR
                  << ")\n";
        return 0;
    }
    if (o.help || o.command.empty()) {
        std::cout << cli::usage(o.command);
        return o.help ? 0 : static_cast<int>(ExitCode::invalid_input);
    }
    log::setup(o.verbosity, o.color);
    if (!o.log_file.empty()) log::set_file(o.log_file);

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);  // a closed terminal or SSH session cleans up like Ctrl-C
    std::signal(SIGPIPE, SIG_IGN);

    int rc = 0;
    try {
        if (o.command == "run") rc = cli::cmd_run(o, g_cancel);
        else if (o.command == "validate") rc = cli::cmd_validate(o);
        else if (o.command == "list") rc = cli::cmd_list(o);
        else if (o.command == "plugins") rc = cli::cmd_plugins(o);
        else if (o.command == "provision") rc = cli::cmd_provision(o, g_cancel);
        else if (o.command == "versions") rc = cli::cmd_versions(o, g_cancel);
        else if (o.command == "gc") rc = cli::cmd_gc(o);
        else if (o.command == "compare") rc = cli::cmd_compare(o);
        else if (o.command == "explain-error") rc = cli::cmd_explain_error(o);
    } catch (const std::exception& e) {
        // A bug, not a user error: say so plainly.
        Error bug = Error::of(errors::Code::internal_error, std::string("internal error: ") + e.what(),
                              "This is a bug in pgorch: please report it with the run's pgorch.log.");
        cli::print_error(bug);
        rc = static_cast<int>(bug.code);
    }
    spdlog::shutdown();
    if (g_cancel.load() && rc != 0) rc = static_cast<int>(ExitCode::interrupted);
    return rc;
}
