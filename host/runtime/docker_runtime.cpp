#include "runtime/docker_runtime.hpp"

#include "core/secret.hpp"
#include "runtime/archive.hpp"
#include "runtime/line_sink.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <sstream>
#include <unistd.h>

namespace pgorch::runtime {

namespace {

using Clock = std::chrono::steady_clock;

// Seconds elapsed since `t`.
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// This machine's name, stored in a label to tell our crashed runs from other hosts' runs.
std::string hostname() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

// Whether `p` lies inside folder `dir` (or is it).
bool is_under(const fs::path& p, const fs::path& dir) {
    auto rel = p.lexically_normal().lexically_relative(dir.lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
}

const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

DockerRuntime::DockerRuntime(docker::Client client, std::string run_id, fs::path run_dir, DockerOptions options)
    : client_(std::move(client)), run_id_(std::move(run_id)), run_dir_(std::move(run_dir)), options_(std::move(options)) {
    name_ = options_.container_name.empty() ? "pgorch-" + run_id_ : options_.container_name;
    bind_ = options_.share == DockerOptions::Share::bind ||
            (options_.share == DockerOptions::Share::automatic && client_.endpoint().is_unix);
}

// Finishes the run's container when the caller did not.
DockerRuntime::~DockerRuntime() {
    if (Status st = finish(); !st) spdlog::warn("{}", st.error().str());
}

// Runs a shell script as root in the container, arguments as $1...
Expected<ExecResult> DockerRuntime::run_root(const std::string& script, const std::vector<std::string>& args) {
    docker::ExecSpec spec;
    spec.argv = {"sh", "-c", script, "sh"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.user = "root";
    spec.env = {std::string("PATH=") + kPath};
    auto r = client_.exec(id_, spec);
    if (!r) return r.error();
    ExecResult res;
    res.exit_code = r->exit_code;
    res.out = std::move(r->out);
    res.err = std::move(r->err);
    return res;
}

// Creates the service user inside the container when missing and records its ids and home.
Status DockerRuntime::ensure_service_user() {
    const std::string& u = options_.service_user;
    auto r = run_root("id -u \"$1\" >/dev/null 2>&1 || useradd --system --create-home --home-dir /var/lib/postgresql "
                      "--shell /bin/bash --user-group \"$1\" || exit 1; "
                      "echo \"$(id -u \"$1\") $(id -g \"$1\") $(getent passwd \"$1\" | cut -d: -f6)\"",
                      {u});
    if (!r) return r.error();
    std::istringstream in(r->out);
    if (!r->ok() || !(in >> uid_ >> gid_ >> home_))
        return Error::environment("cannot create the user \"" + u + "\" in container \"" + name_ + "\": " + r->err,
                                  "Use an image with `useradd` (package passwd), such as one built by tools/build-image.");
    return {};
}

// Removes what a crashed run left, then creates, starts and prepares this run's container.
Status DockerRuntime::start() {
    auto version = client_.api_version();
    if (!version) return version.error();
    spdlog::debug("docker engine at {}: API {}", client_.endpoint().str(), *version);
    if (options_.image.empty()) return Error::invalid("no docker image given", "Set `image:` in the scenario's docker section.");
    if (auto stale = remove_stale(client_); !stale) return stale.error();
    auto existing = client_.inspect_container(name_);
    if (!existing) return existing.error();
    if (*existing) {
        spdlog::info("removing the existing container \"{}\"", name_);
        if (Status st = client_.remove_container((*existing)->id, true); !st) return st;
    }
    auto image = client_.ensure_image(options_.image, options_.registry);
    if (!image) return image.error();

    std::error_code ec;
    docker::ContainerSpec spec;
    spec.name = name_;
    spec.image = *image;
    // PID 1 that exits at once on stop (a bare `sleep` ignores SIGTERM as PID 1).
    spec.cmd = {"sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"};
    spec.env = {{"PATH", kPath}, {"LANG", "C.UTF-8"}};
    spec.labels = {{"pgorch", "1"}, {"pgorch.run", run_id_}, {"pgorch.pid", std::to_string(::getpid())},
                   {"pgorch.host", hostname()}};
    spec.host_network = !(options_.host_port || options_.container_port);
    spec.host_port = options_.host_port;
    spec.container_port = options_.container_port;
    std::vector<fs::path> shared = options_.shared_dirs;
    if (!run_dir_.empty()) shared.insert(shared.begin(), run_dir_);
    if (bind_)
        for (const auto& d : shared) {
            fs::path abs = fs::absolute(d, ec).lexically_normal();
            fs::create_directories(abs, ec);
            spec.binds.push_back(abs.string() + ":" + abs.string());
        }
    // A local engine shares our PID namespace: the cluster code checks postmaster pids with kill(2).
    spec.host_pid = bind_;
    auto id = client_.create_container(spec);
    if (!id) return id.error();
    id_ = *id;
    if (Status st = client_.start_container(id_); !st) return st;
    spdlog::info("container \"{}\" started from image \"{}\"", name_, *image);
    if (Status st = ensure_service_user(); !st) return st;
    if (!run_dir_.empty())
        if (Status st = make_dir(run_dir_); !st) return st;
    if (!bind_)
        for (const auto& d : options_.shared_dirs)
            if (Status st = copy_in(d, fs::absolute(d, ec)); !st) return st;
    return {};
}

// Copies logs/results out (copy mode) and removes the container.
Status DockerRuntime::finish(const std::vector<fs::path>& extra) {
    if (finished_ || id_.empty()) return {};
    finished_ = true;
    Status result;
    std::vector<fs::path> out = extra;
    if (!bind_ && !run_dir_.empty()) {
        out.push_back(run_dir_ / "logs");
        out.push_back(run_dir_ / "results");
    }
    for (const auto& p : out) {
        auto probe = run_root("test -e \"$1\"", {p.string()});
        if (!probe || !probe->ok()) continue;
        if (Status st = copy_out(p, p); !st && result.ok()) result = st;
    }
    // Logs and results written inside the container (PostgreSQL's own server logs) arrive only
    // now, after the engine's scrub of the run folder: redact them here.
    if (!bind_ && !run_dir_.empty())
        for (const auto& p : {run_dir_ / "logs", run_dir_ / "results"}) secrets::scrub_tree(p);
    if (options_.keep_container) {
        spdlog::info("keeping container \"{}\"", name_);
        return result;
    }
    if (Status st = client_.remove_container(id_, true); !st && result.ok()) result = st;
    else spdlog::debug("container \"{}\" removed", name_);
    return result;
}

// Signals an exec's process group, found through the pid file its wrapper wrote. The file also
// holds the process's start time: with the host's PID namespace a finished command's pid may
// belong to any process of the machine by now, so nothing is signalled unless both match.
void DockerRuntime::kill_exec(int n, int sig) {
    auto r = run_root("read p t < /tmp/.pgorch-exec-$1.pid 2>/dev/null || exit 0; "
                      "[ -n \"$t\" ] && [ \"$(cut -d' ' -f22 /proc/$p/stat 2>/dev/null)\" = \"$t\" ] || exit 0; "
                      "kill -$2 -$p 2>/dev/null || kill -$2 $p",
                      {std::to_string(n), std::to_string(sig)});
    if (!r) spdlog::debug("cannot signal exec {}: {}", n, r.error().message);
}

// Runs one command in the container with streaming, timeout and cancellation.
Expected<ExecResult> DockerRuntime::exec(const ExecRequest& req) {
    if (req.argv.empty() || req.argv.front().empty()) return Error::invalid("empty command");
    ExecResult result;
    if (cancelled_.load() && !req.cleanup) {
        result.cancelled = true;
        result.exit_code = 130;
        return result;
    }
    if (id_.empty()) return Error::environment("the docker runtime was not started");
    int n = ++exec_counter_;
    bool as_service = req.as == RunAs::service_user;
    std::string n_str = std::to_string(n);
    std::string script = "echo $$ $(cut -d' ' -f22 /proc/$$/stat) > /tmp/.pgorch-exec-" + n_str + ".pid; ";
    if (!req.stdin_data.empty()) {
        const std::string name = ".pgorch-stdin-" + n_str;
        auto write = [&](std::ostream& os) {
            return archive::write_file(os, name, req.stdin_data, 0600, as_service ? uid_ : 0, as_service ? gid_ : 0);
        };
        if (Status st = client_.put_archive(id_, "/tmp", write); !st) return st.error();
        script += "exec 0</tmp/" + name + "; rm -f /tmp/" + name + "; ";
    }
    script += "exec \"$@\"";
    docker::ExecSpec spec;
    // The engine starts an exec as the leader of its own process group (runc does), so
    // kill_exec() stops the command's children too; the wrapper shell records that pid.
    spec.argv = {"sh", "-c", script, "sh"};
    spec.argv.insert(spec.argv.end(), req.argv.begin(), req.argv.end());
    spec.user = as_service ? options_.service_user : "root";
    std::map<std::string, std::string> env{{"PATH", kPath}};
    if (as_service) env.insert({{"HOME", home_}, {"USER", options_.service_user}, {"LOGNAME", options_.service_user}});
    else env.insert({{"HOME", "/root"}, {"USER", "root"}, {"LOGNAME", "root"}});
    for (const auto& [k, v] : req.env) env[k] = v;
    for (const auto& [k, v] : env) spec.env.push_back(k + "=" + v);
    spec.workdir = (req.cwd.empty() ? run_dir_ : req.cwd).string();
    if (spec.workdir.empty()) spec.workdir = "/";

    LineSink sinks[2] = {{&req, false}, {&req, true}};
    auto started = Clock::now();
    bool killing = false, killed_hard = false;
    Clock::time_point kill_time{}, last_check = started, exited_at{};
    bool exited_seen = false;
    auto on_tick = [&](const std::string& exec_id) {
        bool too_long = req.timeout_s > 0 && since(started) > req.timeout_s;
        if (!killing && (too_long || (cancelled_.load() && !req.cleanup))) {
            killing = true;
            kill_time = Clock::now();
            result.timed_out = too_long;
            result.cancelled = !too_long;
            spdlog::debug("[{}] {}: stopping", req.log_tag, too_long ? "timed out" : "cancelled");
            kill_exec(n, SIGTERM);
        } else if (killing && !killed_hard && since(kill_time) > 3.0) {
            killed_hard = true;
            kill_exec(n, SIGKILL);
        } else if (killing && since(kill_time) > 6.0) {
            return false;
        }
        // A background grandchild may keep the stream open after the command exited.
        if (since(started) > 1.0 && since(last_check) > 1.0) {
            last_check = Clock::now();
            auto st = client_.exec_state(exec_id);
            if (st && !st->first) {
                if (!exited_seen) { exited_seen = true; exited_at = Clock::now(); }
                else if (since(exited_at) > 1.0) return false;
            }
        }
        return true;
    };
    auto outcome = client_.exec(id_, spec, [&](std::string_view d, bool is_err) { sinks[is_err].feed(d); }, on_tick);
    if (!outcome) return outcome.error();
    for (auto& s : sinks) s.flush();
    result.exit_code = outcome->exit_code;
    result.out = std::move(outcome->out);
    result.err = std::move(outcome->err);
    result.duration_ms = since(started) * 1000.0;
    if (killing && !killed_hard) kill_exec(n, SIGKILL);  // leave no child of a killed command behind
    if (result.exit_code == 127 && result.err.find("not found") != std::string::npos && !killing)
        return Error::environment("command \"" + req.argv.front() + "\" not found in container \"" + name_ + "\"",
                                  "Install it in the image or put its folder on PATH.")
            .as(errors::Code::command_not_found);
    return result;
}

// Copies into the container: a plain copy under a bind-mounted folder, else the archive endpoint.
Status DockerRuntime::copy_in(const fs::path& local, const fs::path& target) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(local, ec)))
        return Error::environment("cannot copy \"" + local.string() + "\": it does not exist");
    if (bind_ && !run_dir_.empty() && is_under(target, run_dir_)) {
        if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
        fs::copy(local, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
        if (ec) return Error::environment("cannot copy \"" + local.string() + "\" to \"" + target.string() + "\": " + ec.message());
        auto own = [&](const fs::path& p) { return ::lchown(p.c_str(), uid_, gid_) == 0; };
        own(target);
        if (fs::is_directory(target, ec))
            for (auto it = fs::recursive_directory_iterator(target, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
                own(it->path());
        return {};
    }
    fs::path parent = target.parent_path().empty() ? fs::path("/") : target.parent_path();
    auto mk = run_root("mkdir -p \"$1\"", {parent.string()});
    if (!mk) return mk.error();
    if (!mk->ok()) return Error::environment("cannot create folder \"" + parent.string() + "\" in container \"" + name_ + "\": " + mk->err);
    return client_.put_archive(id_, parent.string(), [&](std::ostream& os) {
        return archive::write_tree(os, local, target.filename().string(), uid_, gid_);
    });
}

// Copies out of the container through the archive endpoint (a plain copy when bind-mounted).
Status DockerRuntime::copy_out(const fs::path& target, const fs::path& local) {
    std::error_code ec;
    if (bind_ && !run_dir_.empty() && is_under(target, run_dir_)) {
        if (fs::equivalent(target, local, ec)) return {};
        if (local.has_parent_path()) fs::create_directories(local.parent_path(), ec);
        fs::copy(target, local, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
        if (ec) return Error::environment("cannot copy \"" + target.string() + "\" to \"" + local.string() + "\": " + ec.message());
        return {};
    }
    fs::path dest = local.parent_path().empty() ? fs::current_path(ec) : local.parent_path();
    return client_.get_archive(id_, target.string(), [&](std::istream& is) {
        return archive::extract(is, dest, local.filename().string());
    });
}

// Creates a folder and its missing parents, all owned by the service user.
Status DockerRuntime::make_dir(const fs::path& target) {
    auto r = run_root("t=$1; p=$t; first=; while [ ! -e \"$p\" ]; do first=$p; p=$(dirname \"$p\"); done; "
                      "mkdir -p \"$t\" || exit 1; chown -R \"$2:$3\" \"${first:-$t}\"",
                      {target.string(), std::to_string(uid_), std::to_string(gid_)});
    if (!r) return r.error();
    if (!r->ok()) return Error::environment("cannot create folder \"" + target.string() + "\" in container \"" + name_ + "\": " + r->err);
    return {};
}

// With host network the container shares this machine's ports; otherwise its own namespace.
Expected<int> DockerRuntime::free_port() {
    bool host_net = !(options_.host_port || options_.container_port);
    for (int attempt = 0; attempt < 50; ++attempt) {
        int port = 0;
        if (host_net) {
            try {
                Poco::Net::ServerSocket sock;
                sock.bind(Poco::Net::SocketAddress("127.0.0.1", 0), false);
                port = sock.address().port();
                sock.close();
            } catch (const Poco::Exception& e) {
                return Error::environment("cannot find a free port on 127.0.0.1: " + e.displayText())
                    .as(errors::Code::port_unavailable);
            }
        } else {
            port = options_.container_port.value_or(5432) + attempt;
        }
        std::lock_guard lk(mu_);
        if (ports_given_.insert(port).second) return port;
    }
    return Error::environment("cannot find a free port in container \"" + name_ + "\"")
        .as(errors::Code::port_unavailable);
}

// Finds containers whose pgorch process on this host is gone and removes them.
Expected<int> remove_stale(const docker::Client& client, const std::string& label) {
    auto list = client.list_containers("pgorch=1");
    if (!list) return list.error();
    std::string me = hostname();
    std::string want_key = label.substr(0, label.find('='));
    std::string want_val = label.find('=') == std::string::npos ? "" : label.substr(label.find('=') + 1);
    int removed = 0;
    for (const auto& c : *list) {
        if (!label.empty()) {
            auto it = c.labels.find(want_key);
            if (it == c.labels.end() || (!want_val.empty() && it->second != want_val)) continue;
        }
        auto host = c.labels.find("pgorch.host");
        auto pid = c.labels.find("pgorch.pid");
        if (host == c.labels.end() || host->second != me || pid == c.labels.end()) continue;
        long p = std::strtol(pid->second.c_str(), nullptr, 10);
        if (p <= 0 || p == ::getpid()) continue;
        if (::kill(static_cast<pid_t>(p), 0) == 0 || errno != ESRCH) continue;  // still running
        spdlog::info("removing container \"{}\" of crashed run \"{}\"", c.name,
                     c.labels.count("pgorch.run") ? c.labels.at("pgorch.run") : std::string("?"));
        if (Status st = client.remove_container(c.id, true); !st) return st.error();
        ++removed;
    }
    return removed;
}

Expected<std::unique_ptr<Runtime>> make_docker_runtime(DockerOptions options, const std::string& run_id,
                                                       const fs::path& run_dir) {
    auto ep = docker::endpoint_from_env();
    if (!ep) return ep.error();
    auto rt = std::make_unique<DockerRuntime>(docker::Client(*ep), run_id, run_dir, std::move(options));
    if (Status st = rt->start(); !st) return st.error();
    return std::unique_ptr<Runtime>(std::move(rt));
}

Expected<std::string> docker_engine_version() {
    auto ep = docker::endpoint_from_env();
    if (!ep) return ep.error();
    return docker::Client(*ep, 5).api_version();
}

}  // namespace pgorch::runtime
