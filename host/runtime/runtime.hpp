// Where commands run. The engine and the plugins see only this interface; the local runtime
// (processes on this machine) and the docker runtime (Docker Engine API) both implement it.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::runtime {

namespace fs = std::filesystem;

enum class RunAs {
    service_user,  // the unprivileged OS user PostgreSQL and user scripts run as
    invoker        // whoever runs pgorch-host
};

struct ExecRequest {
    std::vector<std::string> argv;              // argv[0] is looked up in PATH; no shell
    std::map<std::string, std::string> env;     // added to (and overriding) the base environment
    fs::path cwd;                               // empty: the run folder
    double timeout_s = 0;                       // 0: none
    RunAs as = RunAs::service_user;
    std::string stdin_data;
    std::string log_tag;                        // prefix of streamed lines in the log, e.g. "initdb"
    // Clean-up work (stopping a server) that must still run after cancel(): it is neither refused
    // nor killed by cancellation, only bounded by its timeout.
    bool cleanup = false;
    // Called for every output line as it arrives (after it is logged), may be empty.
    std::function<void(std::string_view line, bool is_stderr)> on_line;
};

struct ExecResult {
    int exit_code = -1;          // the exit status, or 128+signal
    std::string out, err;        // captured output
    double duration_ms = 0;
    bool timed_out = false;
    bool cancelled = false;
    bool ok() const { return exit_code == 0 && !timed_out && !cancelled; }
};

class Runtime {
public:
    virtual ~Runtime() = default;
    virtual std::string name() const = 0;            // "local", "docker"

    // Runs a command to completion. An Error only when it could not be started at all.
    virtual Expected<ExecResult> exec(const ExecRequest& request) = 0;

    // Files between this machine and the target environment (same folder tree locally).
    virtual Status copy_in(const fs::path& local, const fs::path& target) = 0;
    virtual Status copy_out(const fs::path& target, const fs::path& local) = 0;
    // Creates a folder in the target environment writable by the service user.
    virtual Status make_dir(const fs::path& target) = 0;

    // A TCP port free on 127.0.0.1 of the target environment.
    virtual Expected<int> free_port() = 0;

    // The OS user PostgreSQL runs as ("" when it is the invoker).
    virtual std::string service_user() const = 0;

    // Makes running and future exec() calls stop promptly (except cleanup requests).
    virtual void cancel() = 0;
};

}  // namespace pgorch::runtime
