#include "engine/leftovers.hpp"

#include "core/process.hpp"
#include "scenario/locate.hpp"
#include "scenario/parser.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

namespace pgorch::engine {

namespace {

// "374 MB" (at least "1 MB" once anything was freed).
std::string megabytes(std::uintmax_t bytes) {
    std::uintmax_t mb = (bytes + 512 * 1024) / (1024 * 1024);
    return std::to_string(bytes && !mb ? 1 : mb) + " MB";
}

// Waits up to `seconds` for the process to be gone (or replaced).
bool wait_gone(pid_t pid, unsigned long long ticks, double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        auto now = process::start_ticks(pid);
        if (!now || *now != ticks) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// The postmaster a postmaster.pid names, when it is still that postmaster: its start time
// (line 3, seconds since the epoch) and working folder (the data folder, line 2) must match.
std::optional<std::pair<pid_t, unsigned long long>> live_postmaster(const fs::path& pid_file) {
    std::ifstream in(pid_file);
    std::string pid_line, datadir, started;
    if (!std::getline(in, pid_line) || !std::getline(in, datadir) || !std::getline(in, started)) return std::nullopt;
    pid_t pid = 0;
    double recorded = 0;
    try {
        pid = static_cast<pid_t>(std::stol(pid_line));
        recorded = std::stod(started);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    auto ticks = process::start_ticks(pid);
    auto epoch = process::start_epoch(pid);
    if (!ticks || !epoch || std::fabs(*epoch - recorded) > 2.0) return std::nullopt;
    std::error_code ec;
    if (!fs::equivalent(process::working_dir(pid), datadir, ec)) return std::nullopt;
    return std::pair(pid, *ticks);
}

// Fast shutdown, then immediate, then SIGKILL; each only while the process is the same one.
bool stop_postmaster(pid_t pid, unsigned long long ticks) {
    const std::pair<int, double> steps[] = {{SIGINT, 20.0}, {SIGQUIT, 5.0}, {SIGKILL, 5.0}};
    for (auto [sig, wait] : steps) {
        if (!process::signal_if_same(pid, ticks, sig)) return wait_gone(pid, ticks, 0);
        if (wait_gone(pid, ticks, wait)) return true;
    }
    return false;
}

// Seconds since a file was last written.
double age_of(const fs::path& p) {
    std::error_code ec;
    auto t = fs::last_write_time(p, ec);
    if (ec) return 0;
    return std::chrono::duration<double>(fs::file_time_type::clock::now() - t).count();
}

// Every db_version the scenarios under the roots name (a root may be a scenario itself).
std::set<std::string> named_versions(const std::vector<fs::path>& roots) {
    std::set<std::string> out;
    auto add = [&](const fs::path& dir) {
        scenario::Scenario sc;
        (void)scenario::parse_scenario(dir, sc);  // what could be read counts, errors or not
        out.insert(sc.start.db_version.value);
        for (const auto& st : sc.steps) out.insert(st.target.db_version.value);
        for (const auto& t : sc.db_params) out.insert(t.db_version.value);
    };
    for (const auto& root : roots) {
        if (scenario::has_manifest(root)) add(root);
        else
            for (const auto& name : scenario::list_scenarios(root)) add(root / name);
    }
    out.erase("");
    return out;
}

// "17" names 17.12 and "17.12" names 17.12, but "1" does not name 17.12.
bool is_named(const std::string& version, const std::set<std::string>& names) {
    for (const auto& n : names)
        if (version == n || (version.size() > n.size() && version.compare(0, n.size(), n) == 0 && version[n.size()] == '.'))
            return true;
    return false;
}

// The "version" of an install marker; "" when unreadable.
std::string marker_version(const fs::path& marker) {
    std::ifstream in(marker);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return {};
    const auto* s = v.as_object().if_contains("version");
    return s && s->is_string() ? std::string(s->as_string()) : std::string();
}

// Removes a folder, adding a line and its size to the outcome.
void remove_folder(const fs::path& dir, const std::string& what, GcOutcome& out) {
    std::uintmax_t bytes = process::tree_size(dir);
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) {
        spdlog::warn("cannot remove \"{}\": {}", dir.string(), ec.message());
        return;
    }
    out.bytes += bytes;
    out.removed.push_back(fmt::format("removed {} ({})", what, megabytes(bytes)));
}

// gc of the cache: old installs nobody names, and staging folders of interrupted downloads.
void collect_cache(const GcOptions& o, GcOutcome& out) {
    const std::set<std::string> names = named_versions(o.scenario_roots);
    std::error_code ec;
    for (fs::directory_iterator distro(o.cache_dir, ec), end; !ec && distro != end; distro.increment(ec)) {
        if (!distro->is_directory(ec)) continue;
        std::error_code ec2;
        for (fs::directory_iterator it(distro->path(), ec2), e2; !ec2 && it != e2; it.increment(ec2)) {
            const fs::path dir = it->path();
            const std::string name = dir.filename().string();
            if (!it->is_directory(ec2)) continue;
            if (name.rfind(".staging-", 0) == 0) {
                if (age_of(dir) > o.older_than_s) remove_folder(dir, "unfinished download \"" + dir.string() + "\"", out);
                continue;
            }
            const fs::path marker = dir / ".pgorch-install.json";
            if (!fs::exists(marker, ec2) || age_of(marker) <= o.older_than_s) continue;
            const std::string version = marker_version(marker);
            if (version.empty() || is_named(version, names)) continue;
            remove_folder(dir, "cached version " + version + " \"" + dir.string() + "\"", out);
        }
    }
}

}  // namespace

std::string Leftovers::str() const {
    return fmt::format("removed leftovers of run {}: {} server{} stopped, {} freed", run, servers,
                       servers == 1 ? "" : "s", megabytes(bytes));
}

int stop_servers_of(const fs::path& run_dir) {
    int stopped = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(run_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it.depth() > 4) it.disable_recursion_pending();
        if (it->path().filename() != "postmaster.pid" || !it->is_regular_file(ec)) continue;
        auto pm = live_postmaster(it->path());
        if (!pm) continue;
        spdlog::debug("stopping the server of \"{}\" (pid {})", it->path().parent_path().string(), pm->first);
        if (stop_postmaster(pm->first, pm->second)) ++stopped;
        else spdlog::warn("server pid {} of \"{}\" did not stop", pm->first, it->path().parent_path().string());
    }
    return stopped;
}

Leftovers clean_crashed_run(const fs::path& run_dir, RunLock& lock) {
    Leftovers l;
    l.run = run_dir.filename().string();
    l.servers = stop_servers_of(run_dir);
    const fs::path data = run_dir / "clusters";
    l.bytes = process::tree_size(data);
    std::error_code ec;
    fs::remove_all(data, ec);
    if (ec) spdlog::warn("cannot remove \"{}\": {}", data.string(), ec.message());
    (void)lock.mark(RunState::cleaned);
    return l;
}

std::vector<Leftovers> clean_crashed_runs(const fs::path& work_dir, const fs::path& self) {
    std::vector<Leftovers> out;
    std::error_code ec;
    for (fs::directory_iterator it(work_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_directory(ec) || it->path() == self) continue;
        auto lock = RunLock::take(it->path());
        if (!lock || lock->recorded() != RunState::crashed) continue;
        Leftovers l = clean_crashed_run(it->path(), *lock);
        spdlog::info("{}", l.str());
        out.push_back(std::move(l));
    }
    return out;
}

void finish_data_folders(const fs::path& run_dir, ExitCode code, bool keep) {
    const fs::path data = run_dir / "clusters";
    std::error_code ec;
    if (!fs::exists(data, ec)) return;
    if (keep) {
        spdlog::info("kept the data folders (--keep): {} ({})", data.string(), megabytes(process::tree_size(data)));
    } else if (code == ExitCode::check_failed) {
        spdlog::info("the run failed: its data folders stay for inspection: {} ({}); `pgorch-host gc` removes "
                     "old ones", data.string(), megabytes(process::tree_size(data)));
    } else {
        fs::remove_all(data, ec);
    }
}

GcOutcome collect_garbage(const GcOptions& o) {
    GcOutcome out;
    bool any_running = false;
    std::error_code ec;
    for (fs::directory_iterator it(o.work_dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_directory(ec)) continue;
        auto lock = RunLock::take(it->path());
        if (!lock) {
            any_running = any_running || probe_run(it->path()) == RunState::running;
            continue;
        }
        if (age_of(it->path() / "run.lock") <= o.older_than_s) continue;
        if (lock->recorded() == RunState::crashed) stop_servers_of(it->path());
        remove_folder(it->path(), "run folder \"" + it->path().string() + "\"", out);
    }
    if (any_running) out.cache_skipped = true;
    else if (!o.cache_dir.empty()) collect_cache(o, out);
    return out;
}

Expected<double> parse_age(const std::string& text) {
    size_t used = 0;
    double n = -1;
    try {
        n = std::stod(text, &used);
    } catch (const std::exception&) {
    }
    std::string unit = text.substr(used);
    double scale = unit == "d" ? 86400 : unit == "h" ? 3600 : unit == "m" ? 60 : unit == "s" || (unit.empty() && n == 0) ? 1 : -1;
    if (n < 0 || scale < 0 || !std::isfinite(n))
        return Error::invalid("--older-than must be a number with d, h, m or s, not \"" + text + "\"",
                              "Write e.g. --older-than 7d (days), 12h, 30m or 0 (everything not running).")
            .as(errors::Code::command_line);
    return n * scale;
}

}  // namespace pgorch::engine
