// Crashed runs and gc (engine/leftovers.hpp, core/run_lock.hpp): run records, the identity
// checks before a server is signalled (a reused pid is never signalled), and which cached
// versions gc removes.
#include "core/process.hpp"
#include "core/run_lock.hpp"
#include "engine/leftovers.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgorch;

namespace {

struct Scratch {
    fs::path dir = fs::temp_directory_path() / ("pgorch-leftovers-" + std::to_string(::getpid()));
    Scratch() { fs::remove_all(dir); fs::create_directories(dir); }
    ~Scratch() { fs::remove_all(dir); }
};

// A child that sleeps in `cwd` (a stand-in for a postmaster).
pid_t sleeper(const fs::path& cwd) {
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(cwd.c_str()) != 0) ::_exit(1);
        ::execlp("sleep", "sleep", "100", static_cast<char*>(nullptr));
        ::_exit(1);
    }
    for (int i = 0; i < 100 && process::working_dir(pid) != cwd; ++i) ::usleep(10000);
    return pid;
}

void write_pid_file(const fs::path& datadir, pid_t pid, double started) {
    std::ofstream(datadir / "postmaster.pid") << pid << "\n" << datadir.string() << "\n"
                                              << static_cast<long long>(started) << "\n5432\n";
}

bool alive(pid_t pid) { return ::waitpid(pid, nullptr, WNOHANG) == 0; }

}  // namespace

TEST_CASE("a run record says running, finished or crashed", "[leftovers]") {
    Scratch s;
    {
        auto lock = RunLock::create(s.dir);
        REQUIRE(lock.ok());
        CHECK(probe_run(s.dir) == RunState::running);  // a second open cannot take the lock
        CHECK(lock->pid() == ::getpid());
        CHECK(lock->start_ticks() == process::start_ticks(::getpid()).value());
    }
    CHECK(probe_run(s.dir) == RunState::crashed);  // released without saying it finished
    {
        auto lock = RunLock::take(s.dir);
        REQUIRE(lock.ok());
        REQUIRE(lock->mark(RunState::finished).ok());
    }
    CHECK(probe_run(s.dir) == RunState::finished);
    CHECK(probe_run(s.dir / "nothing") == RunState::none);
}

TEST_CASE("a server is stopped only when pid, start time and data folder all match", "[leftovers]") {
    Scratch s;
    const fs::path run = s.dir / "run";
    const fs::path datadir = run / "clusters" / "c1" / "data";
    fs::create_directories(datadir);
    pid_t pid = sleeper(datadir);
    REQUIRE(pid > 0);
    const double started = process::start_epoch(pid).value();

    write_pid_file(datadir, pid, started - 600);  // the pid was reused: another start time
    CHECK(engine::stop_servers_of(run) == 0);
    CHECK(alive(pid));

    pid_t other = sleeper(s.dir);  // the right start time, but another process's working folder
    write_pid_file(datadir, other, process::start_epoch(other).value());
    CHECK(engine::stop_servers_of(run) == 0);
    CHECK(alive(other));
    ::kill(other, SIGKILL);
    ::waitpid(other, nullptr, 0);

    write_pid_file(datadir, pid, started);
    CHECK(engine::stop_servers_of(run) == 1);
    int status = 0;
    CHECK(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
}

TEST_CASE("cleaning a crashed run removes its data and marks it cleaned", "[leftovers]") {
    Scratch s;
    const fs::path run = s.dir / "work" / "x-20260101-000000-1";
    fs::create_directories(run / "clusters" / "c1" / "data");
    fs::create_directories(run / "logs");
    std::ofstream(run / "clusters" / "c1" / "data" / "base") << std::string(3 * 1024 * 1024, 'x');
    { auto lock = RunLock::create(run); REQUIRE(lock.ok()); }  // "crashes"
    auto found = engine::clean_crashed_runs(s.dir / "work");
    REQUIRE(found.size() == 1);
    CHECK(found[0].str() == "removed leftovers of run x-20260101-000000-1: 0 servers stopped, 3 MB freed");
    CHECK_FALSE(fs::exists(run / "clusters"));
    CHECK(fs::exists(run / "logs"));
    CHECK(probe_run(run) == RunState::cleaned);
    CHECK(engine::clean_crashed_runs(s.dir / "work").empty());
}

TEST_CASE("gc removes old runs and cached versions that no scenario names", "[leftovers]") {
    Scratch s;
    const fs::path work = s.dir / "work", cache = s.dir / "cache", scenarios = s.dir / "scenarios";
    fs::create_directories(work / "old-run");
    { auto lock = RunLock::create(work / "old-run"); REQUIRE(lock->mark(RunState::finished).ok()); }
    for (const char* v : {"15.98", "17.97", "177.1"}) {
        fs::create_directories(cache / "pgdg" / v);
        std::ofstream(cache / "pgdg" / v / ".pgorch-install.json") << "{\"version\":\"" << v << "\"}";
    }
    fs::create_directories(cache / "pgdg" / ".staging-15.98-abc");
    fs::create_directories(scenarios / "uses17");
    std::ofstream(scenarios / "uses17" / "conf.yaml") << "kind: perf\ndb_params:\n  - db_version: '17'\n";

    engine::GcOptions o{work, cache, 3600, {scenarios}};
    CHECK(engine::collect_garbage(o).removed.empty());  // nothing is an hour old

    o.older_than_s = 0;
    {
        fs::create_directories(work / "live");  // a run going on: the cache stays
        auto l2 = RunLock::create(work / "live");
        auto out = engine::collect_garbage(o);
        CHECK(out.cache_skipped);
        CHECK(fs::exists(cache / "pgdg" / "15.98"));
    }
    auto out = engine::collect_garbage(o);
    CHECK_FALSE(out.cache_skipped);
    CHECK_FALSE(fs::exists(work / "old-run"));
    CHECK_FALSE(fs::exists(cache / "pgdg" / "15.98"));
    CHECK_FALSE(fs::exists(cache / "pgdg" / "177.1"));   // "17" does not name 177.1
    CHECK_FALSE(fs::exists(cache / "pgdg" / ".staging-15.98-abc"));
    CHECK(fs::exists(cache / "pgdg" / "17.97"));         // "17" names 17.97
}

TEST_CASE("ages are written with a unit", "[leftovers]") {
    CHECK(engine::parse_age("7d").value() == 7 * 86400.0);
    CHECK(engine::parse_age("12h").value() == 12 * 3600.0);
    CHECK(engine::parse_age("30m").value() == 1800.0);
    CHECK(engine::parse_age("0").value() == 0.0);
    CHECK_FALSE(engine::parse_age("7").ok());
    CHECK_FALSE(engine::parse_age("-1d").ok());
    CHECK_FALSE(engine::parse_age("week").ok());
}
