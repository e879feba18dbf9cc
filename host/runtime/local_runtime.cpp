#include "runtime/local_runtime.hpp"

#include "runtime/line_sink.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace pgorch::runtime {

namespace {

using Clock = std::chrono::steady_clock;

// Seconds elapsed since `t`.
double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// The first of the candidate paths that exists (util-linux tools live in /usr/bin or /bin).
std::string tool_path(const char* name) {
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
        std::string p = std::string(dir) + name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    return name;
}

// Whether `cmd` can be executed, looking it up in `path` when it has no slash.
bool command_exists(const std::string& cmd, const std::string& path) {
    if (cmd.find('/') != std::string::npos) return ::access(cmd.c_str(), X_OK) == 0;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        if (dir.empty()) dir = ".";
        if (::access((dir + "/" + cmd).c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}


// Both ends of a pipe, closed on destruction; never inherited by an exec'd child (O_CLOEXEC).
struct Pipe {
    int read = -1, write = -1;
    bool open() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        read = fds[0];
        write = fds[1];
        return true;
    }
    void close_read() { close_fd(read); }
    void close_write() { close_fd(write); }
    ~Pipe() {
        close_read();
        close_write();
    }
    Pipe() = default;
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;

private:
    static void close_fd(int& fd) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

// Starts argv (argv[0] a path, or looked up on PATH) in `cwd` with this process's environment plus `env`
// (as Poco's launch did), the three pipe ends as stdin/stdout/stderr. The child closes every
// other descriptor with one close_range() (glibc's addclosefrom), not one close() per possible
// descriptor, and gets SIGPIPE back at its default (pgorch itself ignores it).
Expected<pid_t> spawn(const std::vector<std::string>& argv, const fs::path& cwd,
                      const std::map<std::string, std::string>& env, int in, int out, int err) {
    std::vector<std::string> envs;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        if (!env.count(std::string(kv.substr(0, kv.find('='))))) envs.emplace_back(kv);
    }
    for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = argv[0].find('/') == std::string::npos ? ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data())
                                                   : ::posix_spawn(&pid, args[0], &fa, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return Error::environment(std::strerror(rc));
    return pid;
}

// Sends a signal to a child's process group (it is a session leader through setsid) and itself.
void signal_group(pid_t pid, int sig) {
    ::kill(-pid, sig);
    ::kill(pid, sig);
}

}  // namespace

// Remembers the run folder; the service user is resolved lazily (see prepare()).
LocalRuntime::LocalRuntime(fs::path run_dir, Options options)
    : run_dir_(std::move(run_dir)), options_(std::move(options)) {}

LocalRuntime::~LocalRuntime() = default;

// The configured service user name, or "" when pgorch does not run as root.
std::string LocalRuntime::service_user() const {
    if (::geteuid() != 0) return {};
    if (!options_.service_user.empty()) return options_.service_user;
    if (const char* e = std::getenv("PGORCH_SERVICE_USER"); e && *e) return e;
    return "pgorch";
}

std::string LocalRuntime::service_home() const {
    std::lock_guard lk(mu_);
    return home_;
}

// Resolves the service user (creating it when missing) and prepares the run folder for it.
Status LocalRuntime::prepare() {
    std::lock_guard plk(prep_mu_);
    if (prepared_) return {};
    std::signal(SIGPIPE, SIG_IGN);  // a child closing its stdin must not kill pgorch
    std::error_code ec;
    if (::geteuid() == 0) {
        std::string user = service_user();
        struct passwd* pw = ::getpwnam(user.c_str());
        if (!pw && options_.create_user) {
            ExecRequest req;
            req.argv = {"useradd", "--system", "--create-home", "--shell", "/usr/sbin/nologin", user};
            req.as = RunAs::invoker;
            req.log_tag = "useradd";
            req.cwd = "/";
            auto r = exec(req);
            if (!r || !r->ok())
                return Error::environment("cannot create the service user \"" + user + "\": " +
                                              (r ? r->err : r.error().message),
                                          "Create it with `useradd --system --create-home " + user +
                                              "` or set PGORCH_SERVICE_USER to an existing unprivileged user.");
            spdlog::info("created the service user \"{}\"", user);
            pw = ::getpwnam(user.c_str());
        }
        if (!pw)
            return Error::environment("service user \"" + user + "\" does not exist",
                                      "Create it with `useradd --system --create-home " + user + "`.");
        if (pw->pw_uid == 0)
            return Error::environment("service user \"" + user + "\" is root",
                                      "Set PGORCH_SERVICE_USER to an unprivileged user: initdb refuses root.");
        std::lock_guard lk(mu_);
        as_root_ = true;
        user_ = user;
        home_ = pw->pw_dir ? pw->pw_dir : "/";
        uid_ = pw->pw_uid;
        gid_ = pw->pw_gid;
    }
    if (!run_dir_.empty()) {
        fs::create_directories(run_dir_, ec);
        if (ec) return Error::environment("cannot create run folder \"" + run_dir_.string() + "\": " + ec.message())
            .as(errors::Code::folder_unusable);
        if (as_root_) {
            // Every ancestor must be traversable by the service user, or postgres cannot reach its data.
            if (Status st = reachable_unlocked(fs::absolute(run_dir_).parent_path(), "work"); !st) return st;
            if (::chown(run_dir_.c_str(), uid_, gid_) != 0)
                return Error::environment("cannot give \"" + run_dir_.string() + "\" to \"" + user_ + "\": " +
                                          std::strerror(errno)).as(errors::Code::folder_unusable);
        }
    }
    prepared_ = true;
    return {};
}

// The first folder from `dir` up to / that the service user cannot traverse, as an error.
Status LocalRuntime::reachable_unlocked(const fs::path& dir, const std::string& what) const {
    for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
        struct stat st{};
        if (::stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH) && st.st_uid != uid_ &&
            !(st.st_gid == gid_ && (st.st_mode & S_IXGRP)))
            return Error::environment("folder \"" + p.string() + "\" is not accessible to the service user \"" + user_ + "\"",
                                      "Choose a " + what + " folder outside of it (for example under /var/tmp) or run `chmod o+x " +
                                          p.string() + "`.").as(errors::Code::folder_unusable);
        if (p == p.parent_path()) break;
    }
    return {};
}

// Checks that the service user can reach `dir` (the cache of installed versions); as non-root
// there is nothing to check.
Status LocalRuntime::check_reachable(const fs::path& dir, const std::string& what) {
    if (Status st = prepare(); !st) return st;
    if (!as_root_) return {};
    std::error_code ec;
    return reachable_unlocked(fs::absolute(dir, ec), what);
}

// Runs one command with pipes, streaming its output, enforcing the timeout and cancellation.
Expected<ExecResult> LocalRuntime::exec(const ExecRequest& req) {
    if (req.argv.empty() || req.argv.front().empty()) return Error::invalid("empty command");
    ExecResult result;
    if (cancelled_.load() && !req.cleanup) {
        result.cancelled = true;
        result.exit_code = 130;
        return result;
    }
    if (req.as == RunAs::service_user)
        if (Status st = prepare(); !st) return st.error();

    std::map<std::string, std::string> env = req.env;
    std::vector<std::string> argv;
    static const std::string setsid = tool_path("setsid");
    static const std::string setpriv = tool_path("setpriv");
    argv.push_back(setsid);  // own process group: a timeout kills the command and its children
    bool drop = false;
    {
        std::lock_guard lk(mu_);
        drop = as_root_ && req.as == RunAs::service_user;
        if (drop) {
            argv.insert(argv.end(), {setpriv, "--reuid=" + std::to_string(uid_), "--regid=" + std::to_string(gid_),
                                     "--init-groups", "--"});
            env.emplace("HOME", home_);
            env.emplace("USER", user_);
            env.emplace("LOGNAME", user_);
        }
    }
    fs::path cwd = req.cwd.empty() ? run_dir_ : req.cwd;
    std::error_code ec;
    if (cwd.empty()) cwd = fs::current_path(ec);
    if (!fs::is_directory(cwd, ec))
        return Error::environment("working folder \"" + cwd.string() + "\" does not exist");
    std::string path = env.count("PATH") ? env["PATH"] : (std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
    std::string program = req.argv.front();
    if (program.find('/') != std::string::npos && program.front() != '/') program = (cwd / program).string();
    if (!command_exists(program, path))
        return Error::environment("command \"" + req.argv.front() + "\" not found",
                                  "Install it or put its folder on PATH.").as(errors::Code::command_not_found);
    argv.insert(argv.end(), req.argv.begin(), req.argv.end());

    Pipe in, out, err;
    if (!in.open() || !out.open() || !err.open())
        return Error::environment("cannot start \"" + req.argv.front() + "\": pipe: " + std::strerror(errno));
    auto started = Clock::now();
    auto spawned = spawn(argv, cwd, env, in.read, out.write, err.write);
    if (!spawned) return Error::environment("cannot start \"" + req.argv.front() + "\": " + spawned.error().message);
    pid_t pid = *spawned;
    in.close_read();
    out.close_write();
    err.close_write();
    spdlog::debug("[{}] started pid {}: {}", req.log_tag.empty() ? req.argv.front() : req.log_tag, pid,
                  fmt::join(req.argv, " "));

    // stdin on its own thread so a child that does not read it cannot block us.
    std::thread feeder([&in, data = req.stdin_data] {
        size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ::write(in.write, data.data() + off, data.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        in.close_write();
    });

    LineSink sinks[2] = {{&req, false, &result.out}, {&req, true, &result.err}};
    int fds[2] = {out.read, err.read};
    bool open[2] = {true, true};
    bool exited = false, killing = false;
    int status = 0;
    Clock::time_point exit_time{}, kill_time{};
    char buf[16384];
    while (true) {
        pollfd pfds[2];
        int map[2], n = 0;
        for (int i = 0; i < 2; ++i)
            if (open[i]) { pfds[n] = {fds[i], POLLIN, 0}; map[n++] = i; }
        if (n > 0) {
            int pr = ::poll(pfds, n, exited ? 20 : 50);
            for (int k = 0; pr > 0 && k < n; ++k) {
                if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                ssize_t got = ::read(pfds[k].fd, buf, sizeof buf);
                if (got > 0) sinks[map[k]].feed(std::string_view(buf, static_cast<size_t>(got)));
                else if (got == 0 || errno != EINTR) open[map[k]] = false;
            }
        } else if (!exited) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            exit_time = Clock::now();
        }
        if (exited && (!open[0] && !open[1])) break;
        // A background grandchild may keep the pipes open: do not wait for it forever.
        if (exited && since(exit_time) > 1.0) break;
        if (!exited) {
            bool too_long = req.timeout_s > 0 && since(started) > req.timeout_s;
            if (!killing && (too_long || (cancelled_.load() && !req.cleanup))) {
                killing = true;
                kill_time = Clock::now();
                result.timed_out = too_long;
                result.cancelled = !too_long;
                spdlog::debug("[{}] {}: stopping pid {}", req.log_tag, too_long ? "timed out" : "cancelled", pid);
                signal_group(pid, SIGTERM);
            } else if (killing && since(kill_time) > 3.0) {
                signal_group(pid, SIGKILL);
            }
        }
    }
    // Leave no child of a killed command behind. The command itself is reaped by now, so its pid
    // may already belong to another process: signal only its process group, which cannot be
    // reused while a member is alive.
    if (killing) ::kill(-pid, SIGKILL);
    feeder.join();
    for (auto& s : sinks) s.flush();
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
    result.duration_ms = since(started) * 1000.0;
    return result;
}

// Copies a file or folder into place and gives it to the service user.
Status LocalRuntime::copy_in(const fs::path& local, const fs::path& target) {
    std::error_code ec;
    if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
    fs::copy(local, target, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::environment("cannot copy \"" + local.string() + "\" to \"" + target.string() + "\": " + ec.message());
    return chown_to_service_user(target, true);
}

// Copies a file or folder out (locally the same tree).
Status LocalRuntime::copy_out(const fs::path& target, const fs::path& local) {
    std::error_code ec;
    if (local.has_parent_path()) fs::create_directories(local.parent_path(), ec);
    fs::copy(target, local, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::environment("cannot copy \"" + target.string() + "\" to \"" + local.string() + "\": " + ec.message());
    return {};
}

// Creates a folder (and its missing parents), all owned by the service user.
Status LocalRuntime::make_dir(const fs::path& target) {
    if (Status st = prepare(); !st) return st;
    std::vector<fs::path> created;
    std::error_code ec;
    for (fs::path p = target; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        created.push_back(p);
        if (p == p.parent_path()) break;
    }
    fs::create_directories(target, ec);
    if (ec) return Error::environment("cannot create folder \"" + target.string() + "\": " + ec.message());
    if (created.empty()) created.push_back(target);
    for (const auto& p : created)
        if (Status st = chown_to_service_user(p); !st) return st;
    return {};
}

// chown to the service user; recursive for folders when asked.
Status LocalRuntime::chown_to_service_user(const fs::path& p, bool recursive) {
    if (Status st = prepare(); !st) return st;
    uid_t uid;
    gid_t gid;
    {
        std::lock_guard lk(mu_);
        if (!as_root_) return {};
        uid = uid_;
        gid = gid_;
    }
    auto one = [&](const fs::path& f) { return ::lchown(f.c_str(), uid, gid) == 0; };
    if (!one(p)) return Error::environment("cannot give \"" + p.string() + "\" to the service user: " + std::strerror(errno));
    std::error_code ec;
    if (recursive && fs::is_directory(p, ec))
        for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
            if (!one(it->path()))
                return Error::environment("cannot give \"" + it->path().string() + "\" to the service user: " +
                                          std::strerror(errno));
    return {};
}

// Binds 127.0.0.1:0 and returns the port the kernel chose (never the same one twice per runtime).
Expected<int> LocalRuntime::free_port() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int port = 0;
        try {
            Poco::Net::ServerSocket sock;
            sock.bind(Poco::Net::SocketAddress("127.0.0.1", 0), false);
            port = sock.address().port();
            sock.close();
        } catch (const Poco::Exception& e) {
            return Error::environment("cannot find a free port on 127.0.0.1: " + e.displayText())
                .as(errors::Code::port_unavailable);
        }
        std::lock_guard lk(mu_);
        if (ports_given_.insert(port).second) return port;
    }
    return Error::environment("cannot find a free port on 127.0.0.1").as(errors::Code::port_unavailable);
}

// Only sets a flag (signal-safe); running exec() calls notice it within 50 ms.
void LocalRuntime::cancel() { cancelled_.store(true); }

std::unique_ptr<Runtime> make_local_runtime(const fs::path& run_dir) {
    return std::make_unique<LocalRuntime>(run_dir);
}

}  // namespace pgorch::runtime
