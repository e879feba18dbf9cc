// pgorch SDK: commands and files in the target environment, through the host's exec service
// only (never fork, popen or the plugin's own filesystem calls), so a plugin works unchanged on
// the local and the docker runtime.
//
//   auto r = sdk::run(ctx, {"pg_controldata", datadir});              // as the service user
//   sdk::must(ctx, {"mkdir", "-p", dir}, "creating \"" + dir + "\"", sdk::invoker(30));
//   if (auto text = sdk::read_file(ctx, marker, sdk::invoker())) ...
#pragma once

#include <pgorch/plugin.hpp>
#include <pgorch/util.hpp>

#include <cstdio>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace pgorch::sdk {

// How a command runs: the fields of an exec request besides argv.
struct ExecOptions {
    std::string as = "postgres";  // "postgres": the service user that owns the clusters (the host's default); "invoker"
    std::string cwd;              // "": the runtime's default
    double timeout_s = 0;         // 0: no limit
    std::string stdin_data;       // written to the command's standard input
    json::object env;             // extra environment variables
    bool log = false;             // log "running <argv>" (info) first
    std::size_t tail = 15;        // must(): how many last lines of the output its error quotes
};

// Options for a command of the user running pgorch (a distro writing its cache), with a
// timeout, in "/" (a folder every user can enter).
inline ExecOptions invoker(double timeout_s = 600, std::string cwd = "/") {
    ExecOptions o;
    o.as = "invoker";
    o.cwd = std::move(cwd);
    o.timeout_s = timeout_s;
    return o;
}

// Options for one of PostgreSQL's tools run by a step: as the service user, in `cwd`, logged
// as "running <argv>" first.
inline ExecOptions tool(std::string cwd = {}, double timeout_s = 0) {
    ExecOptions o;
    o.cwd = std::move(cwd);
    o.timeout_s = timeout_s;
    o.log = true;
    return o;
}

// argv as the JSON array of an exec request.
inline json::array to_argv(const std::vector<std::string>& words) {
    json::array a;
    for (const auto& w : words) a.emplace_back(w);
    return a;
}

// Runs argv; a non-zero exit is returned, not thrown (a refused request throws Failure).
inline ExecResult run(const Context& ctx, const std::vector<std::string>& argv, const ExecOptions& how = {}) {
    json::object extra{{"as", how.as}};
    if (!how.cwd.empty()) extra["cwd"] = how.cwd;
    if (how.timeout_s > 0) extra["timeout_s"] = how.timeout_s;
    if (!how.stdin_data.empty()) extra["stdin"] = how.stdin_data;
    if (!how.env.empty()) extra["env"] = how.env;
    if (how.log) ctx.info("running " + join(argv, " "));
    return ctx.exec(to_argv(argv), extra);
}

// What a failed command says: "<what> failed (exit 2):" and its last lines, indented.
inline std::string failure_text(const std::string& what, const ExecResult& r, std::size_t lines = 15) {
    std::string status = r.timed_out ? std::string("timed out") : "exit " + std::to_string(r.exit_code);
    return what + " failed (" + status + "):" + indented_tail(r.out + r.err, lines);
}

// Like run(), but throws Failure(code) with failure_text() when the command fails or times out.
inline ExecResult must(const Context& ctx, const std::vector<std::string>& argv, const std::string& what,
                       const ExecOptions& how = {}, int32_t code = PGORCH_ERR_FAILED) {
    ExecResult r = run(ctx, argv, how);
    if (!r.ok()) throw Failure(code, failure_text(what, r, how.tail));
    return r;
}

// Runs a shell script with positional arguments ($1 ...): sh -c SCRIPT sh ARGS...; never throws
// for the script's own failure.
inline ExecResult sh(const Context& ctx, const std::string& script, const std::vector<std::string>& args,
                     const ExecOptions& how = {}) {
    std::vector<std::string> argv = {"sh", "-c", script, "sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(ctx, argv, how);
}

// True when `path` exists (test -e).
inline bool exists(const Context& ctx, const std::string& path, const ExecOptions& how = {}) {
    return run(ctx, {"test", "-e", path}, how).ok();
}

// True when `path` is a regular file (test -f).
inline bool is_file(const Context& ctx, const std::string& path, const ExecOptions& how = {}) {
    return run(ctx, {"test", "-f", path}, how).ok();
}

// The whole file, or nullopt when it cannot be read.
inline std::optional<std::string> read_file(const Context& ctx, const std::string& path, const ExecOptions& how = {}) {
    ExecResult r = run(ctx, {"cat", path}, how);
    if (!r.ok()) return std::nullopt;
    return r.out;
}

// Writes (or appends to) a small file (a marker, a configuration) with tee, the content on its
// standard input; throws Failure(ENVIRONMENT) when it cannot.
inline void write_file(const Context& ctx, const std::string& path, const std::string& content, bool append = false,
                       ExecOptions how = {}) {
    how.stdin_data = content;
    std::vector<std::string> argv = {"tee"};
    if (append) argv.push_back("-a");
    argv.push_back(path);
    ExecResult r = run(ctx, argv, how);
    if (!r.ok()) throw Failure(PGORCH_ERR_ENVIRONMENT, "cannot write \"" + path + "\":" + indented_tail(r.err, 5));
}

// mkdir -p; throws Failure(ENVIRONMENT) when it fails.
inline void make_dirs(const Context& ctx, const std::string& path, const ExecOptions& how = {}) {
    must(ctx, {"mkdir", "-p", path}, "creating \"" + path + "\"", how, PGORCH_ERR_ENVIRONMENT);
}

// rm -rf, best effort: never throws (it also runs while a failure or a cancellation unwinds,
// when the host refuses new commands).
inline void remove_all(const Context& ctx, const std::string& path, const ExecOptions& how = {}) {
    try {
        run(ctx, {"rm", "-rf", path}, how);
    } catch (const Failure&) {
    }
}

// Size of a file in bytes, -1 when unknown.
inline long long file_size(const Context& ctx, const std::string& path, const ExecOptions& how = {}) {
    ExecResult r = run(ctx, {"stat", "-c", "%s", path}, how);
    if (!r.ok()) return -1;
    try {
        return std::stoll(r.out);
    } catch (...) {
        return -1;
    }
}

// The commands of `names` the environment lacks (command -v), e.g. curl in a minimal image;
// all of them when even the check cannot run.
inline std::vector<std::string> missing_commands(const Context& ctx, const std::vector<std::string>& names,
                                                 const ExecOptions& how = {}) {
    ExecResult r = sh(ctx, "for c; do command -v \"$c\" >/dev/null || echo \"$c\"; done", names, how);
    if (!r.ok()) return names;
    return split_lines(r.out);
}

// When a command failed because a disk is full: which device, mounted where, with how much
// left (df -P of `dir`), as a clause for the error message; "" when its output says nothing of it.
inline std::string out_of_space(const Context& ctx, const std::string& dir, const ExecResult& failed,
                                const ExecOptions& how = {}) {
    if ((failed.out + failed.err).find("No space left on device") == std::string::npos) return {};
    ExecResult df = run(ctx, {"df", "-P", "-k", dir}, how);
    std::istringstream in(df.out);
    std::string header, device, blocks, used, avail, capacity, mount;
    std::getline(in, header);
    in >> device >> blocks >> used >> avail >> capacity >> mount;
    if (mount.empty()) return "no space left on the device of \"" + dir + "\"";
    long long free_kb = 0, total_kb = 0;
    try {
        free_kb = std::stoll(avail);
        total_kb = std::stoll(blocks);
    } catch (const std::exception&) {
    }
    return "no space left on device \"" + device + "\" mounted at \"" + mount + "\" (" + std::to_string(free_kb / 1024) +
           " MB free of " + std::to_string(total_kb / 1024) + " MB)";
}

// 16 random hex digits, for staging folder names.
inline std::string random_suffix() {
    std::random_device rd;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
    return buf;
}

}  // namespace pgorch::sdk
