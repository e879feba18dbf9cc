// The local runtime: commands without a shell, output capture and streaming, env, cwd, stdin,
// timeouts that kill the whole process group, cancellation, free ports.
#include "runtime/local_runtime.hpp"

#include <catch2/catch.hpp>

#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace pgorch;
namespace fs = std::filesystem;

namespace {

runtime::ExecRequest cmd(std::vector<std::string> argv) {
    runtime::ExecRequest r;
    r.argv = std::move(argv);
    r.as = runtime::RunAs::invoker;
    r.log_tag = "test";
    return r;
}

fs::path temp_run_dir() {
    fs::path d = fs::temp_directory_path() / ("pgorch-rt-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

}  // namespace

TEST_CASE("exec captures output, exit code, env, cwd and stdin", "[runtime]") {
    runtime::LocalRuntime rt(temp_run_dir());
    auto r = rt.exec(cmd({"printf", "a\\nb\\n"}));
    REQUIRE(r.ok());
    CHECK(r->ok());
    CHECK(r->out == "a\nb\n");

    auto e = cmd({"sh", "-c", "echo \"$FOO\"; pwd; echo oops >&2; exit 3"});
    e.env["FOO"] = "bar baz";
    e.cwd = "/usr";
    std::vector<std::string> lines;
    e.on_line = [&](std::string_view l, bool is_err) { lines.push_back(std::string(is_err ? "E:" : "O:") + std::string(l)); };
    auto r2 = rt.exec(e);
    REQUIRE(r2.ok());
    CHECK(r2->exit_code == 3);
    CHECK_FALSE(r2->ok());
    CHECK(r2->out == "bar baz\n/usr\n");
    CHECK(r2->err == "oops\n");
    CHECK(std::find(lines.begin(), lines.end(), "O:bar baz") != lines.end());
    CHECK(std::find(lines.begin(), lines.end(), "E:oops") != lines.end());

    auto in = cmd({"cat"});
    in.stdin_data = std::string(200000, 'x') + "\nend";
    auto r3 = rt.exec(in);
    REQUIRE(r3.ok());
    CHECK(r3->out.size() == 200004);

    auto nostdin = rt.exec(cmd({"cat"}));  // stdin is closed, not inherited
    REQUIRE(nostdin.ok());
    CHECK(nostdin->ok());
}

TEST_CASE("a command inherits stdin/stdout/stderr only, the environment, and SIGPIPE at its default", "[runtime]") {
    runtime::LocalRuntime rt(temp_run_dir());
    // A descriptor this process opened without O_CLOEXEC must not reach the child. It is moved
    // to 77, a number the child's own pipeline fds (low ones, open in sh for a moment) never have.
    int opened = ::open("/dev/null", O_RDONLY);
    REQUIRE(opened > 2);
    int fd = ::dup2(opened, 77);
    ::close(opened);
    REQUIRE(fd == 77);
    std::signal(SIGPIPE, SIG_IGN);
    auto r = rt.exec(cmd({"sh", "-c", "ls /proc/$$/fd | sort -n | tr '\\n' ' '; grep SigIgn /proc/$$/status; echo \"$HOME\""}));
    ::close(fd);
    REQUIRE(r.ok());
    CHECK(r->out.rfind("0 1 2 ", 0) == 0);
    CHECK(r->out.find(" " + std::to_string(fd) + " ") == std::string::npos);
    // SigIgn is a hex mask; SIGPIPE (13) is bit 12.
    auto at = r->out.find("SigIgn:");
    REQUIRE(at != std::string::npos);
    unsigned long long ignored = std::stoull(r->out.substr(at + 7), nullptr, 16);
    CHECK((ignored & (1ULL << (SIGPIPE - 1))) == 0);
    const char* home = std::getenv("HOME");
    CHECK(r->out.find(std::string("\n") + (home ? home : "") + "\n") != std::string::npos);
}

TEST_CASE("exec of a missing command is an error, not an exit code", "[runtime]") {
    runtime::LocalRuntime rt(temp_run_dir());
    auto r = rt.exec(cmd({"no-such-command-pgorch"}));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "command \"no-such-command-pgorch\" not found");
    auto empty = rt.exec(cmd({}));
    CHECK_FALSE(empty.ok());
}

TEST_CASE("a timeout kills the command and its children", "[runtime]") {
    runtime::LocalRuntime rt(temp_run_dir());
    auto req = cmd({"bash", "-c", "sleep 37 & echo $!; wait"});
    req.timeout_s = 0.5;
    auto t0 = std::chrono::steady_clock::now();
    auto r = rt.exec(req);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r.ok());
    CHECK(r->timed_out);
    CHECK_FALSE(r->ok());
    CHECK(took < 5);
    long child = std::stol(r->out);
    // The background sleep is gone too (or a zombie waiting for init to reap it).
    auto gone = [&] {
        std::ifstream st("/proc/" + std::to_string(child) + "/stat");
        std::string pid, comm, state;
        return !(st >> pid >> comm >> state) || state == "Z";
    };
    for (int i = 0; i < 50 && !gone(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(gone());
}

TEST_CASE("cancel stops a running command and refuses new ones", "[runtime]") {
    runtime::LocalRuntime rt(temp_run_dir());
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        rt.cancel();
    });
    auto r = rt.exec(cmd({"sleep", "30"}));
    t.join();
    REQUIRE(r.ok());
    CHECK(r->cancelled);
    CHECK(r->duration_ms < 5000);
    auto r2 = rt.exec(cmd({"true"}));
    REQUIRE(r2.ok());
    CHECK(r2->cancelled);
}

TEST_CASE("free_port gives distinct bindable ports", "[runtime]") {
    runtime::LocalRuntime rt(temp_run_dir());
    auto a = rt.free_port();
    auto b = rt.free_port();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a != *b);
    CHECK(*a > 0);
    Poco::Net::ServerSocket s;
    CHECK_NOTHROW(s.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(*a)), false));
    CHECK(rt.name() == "local");
    CHECK(runtime::make_local_runtime(temp_run_dir())->name() == "local");
}
