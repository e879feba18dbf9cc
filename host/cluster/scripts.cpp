#include "cluster/scripts.hpp"

#include <deque>
#include <sstream>
#include <unistd.h>

namespace pgorch::cluster {

// Chooses the interpreter from the file name.
Expected<std::vector<std::string>> script_command(const fs::path& script) {
    std::error_code ec;
    if (!fs::is_regular_file(script, ec))
        return Error::of(errors::Code::file_unusable, "script \"" + script.string() + "\" not found");
    if (::access(script.c_str(), R_OK) != 0)
        return Error::of(errors::Code::file_unusable, "script \"" + script.string() + "\" is not readable");
    std::string ext = script.extension().string();
    if (ext == ".sh" || ext == ".bash") return std::vector<std::string>{"bash", script.string()};
    if (ext == ".py") return std::vector<std::string>{"python3", script.string()};
    if (ext == ".sql") return std::vector<std::string>{"psql", "-v", "ON_ERROR_STOP=1", "-X", "-f", script.string()};
    if (::access(script.c_str(), X_OK) == 0) return std::vector<std::string>{script.string()};
    return Error::of(errors::Code::file_unusable,
                     "script \"" + script.string() + "\" is neither .sh, .py nor .sql and not executable",
                     "Rename it with one of those extensions or make it executable.");
}

// Runs the script as the service user with the given environment.
Expected<runtime::ExecResult> run_script(runtime::Runtime& rt, const fs::path& script,
                                         const std::map<std::string, std::string>& env, const fs::path& cwd,
                                         double timeout_s) {
    auto argv = script_command(script);
    if (!argv) return argv.error();
    runtime::ExecRequest req;
    req.argv = std::move(*argv);
    req.env = env;
    req.cwd = cwd.empty() ? script.parent_path() : cwd;
    req.timeout_s = timeout_s;
    req.as = runtime::RunAs::service_user;
    req.log_tag = script.filename().string();
    return rt.exec(req);
}

// The error for a failed script, with the end of its output.
Status script_failure(const fs::path& script, const runtime::ExecResult& r, int lines) {
    if (r.ok()) return {};
    std::string why = r.timed_out ? "timed out" : r.cancelled ? "was interrupted" : "exited with code " + std::to_string(r.exit_code);
    std::deque<std::string> tail;
    for (const std::string* text : {&r.out, &r.err}) {
        std::istringstream in(*text);
        for (std::string l; std::getline(in, l);) {
            tail.push_back(l);
            if (static_cast<int>(tail.size()) > lines) tail.pop_front();
        }
    }
    std::string msg = "script \"" + script.filename().string() + "\" " + why;
    if (!tail.empty()) {
        msg += "; last output:";
        for (const auto& l : tail) msg += "\n  " + l;
    }
    return Error::of(r.cancelled ? errors::Code::interrupted : errors::Code::script_failed, msg);
}

}  // namespace pgorch::cluster
