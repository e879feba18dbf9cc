// DockerRuntime through the Runtime interface: exec (success, failure, users, env, stdin,
// timeout, cancel), copy in/out, make_dir, free_port, and the shared run folder.
#include "harness.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

using namespace pgorch;
using namespace pgorch::testing;
using runtime::RunAs;

// The contents of a file.
static std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST_CASE("exec success: output, exit code, and the user it runs as", "[docker]") {
    auto rt = started_runtime("exec-ok");
    auto r = run(*rt, {"sh", "-c", "echo hello; id -un"});
    CHECK(r.ok());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "hello\npostgres\n");
    CHECK(r.err.empty());
    auto root = run(*rt, {"id", "-un"}, RunAs::invoker);
    CHECK(root.out == "root\n");

    runtime::ExecRequest req;
    req.argv = {"sh", "-c", "echo \"$PGORCH_X $HOME\"; pwd; echo line1; echo line2 >&2"};
    req.env = {{"PGORCH_X", "value with spaces"}};
    req.cwd = "/tmp";
    std::vector<std::string> lines;
    req.on_line = [&](std::string_view l, bool is_err) { lines.push_back((is_err ? "E:" : "O:") + std::string(l)); };
    auto e = rt->exec(req);
    REQUIRE(e.ok());
    CHECK(e->out == "value with spaces /var/lib/postgresql\n/tmp\nline1\n");
    CHECK(e->err == "line2\n");
    CHECK(std::count(lines.begin(), lines.end(), "O:line1") == 1);
    CHECK(std::count(lines.begin(), lines.end(), "E:line2") == 1);
}

TEST_CASE("exec failure: the exit code and stderr are reported", "[docker]") {
    auto rt = started_runtime("exec-fail");
    auto r = run(*rt, {"sh", "-c", "echo partial; echo 'something broke' >&2; exit 3"});
    CHECK_FALSE(r.ok());
    CHECK(r.exit_code == 3);
    CHECK(r.out == "partial\n");
    CHECK(r.err == "something broke\n");
    auto ls = run(*rt, {"ls", "/no/such/path"});
    CHECK(ls.exit_code == 2);
    CHECK(ls.err.find("No such file or directory") != std::string::npos);

    runtime::ExecRequest req;
    req.argv = {"pgorch-no-such-command"};
    auto missing = rt->exec(req);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("command \"pgorch-no-such-command\" not found") == 0);
}

TEST_CASE("exec feeds stdin and handles large output", "[docker]") {
    auto rt = started_runtime("exec-io");
    runtime::ExecRequest req;
    req.argv = {"cat"};
    req.stdin_data = "line one\nline two\n";
    auto r = rt->exec(req);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 0);
    CHECK(r->out == req.stdin_data);
    auto big = run(*rt, {"sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' 'a'; echo; echo done >&2"});
    CHECK(big.exit_code == 0);
    CHECK(big.out.size() == 3000001);
    CHECK(big.err == "done\n");
}

TEST_CASE("exec stops on timeout and on cancel, children included", "[docker]") {
    auto rt = started_runtime("exec-stop");
    runtime::ExecRequest req;
    // An unusual duration marks this command's sleeps: with the host's PID namespace the
    // container sees every process of the machine, other tests' and users' sleeps included.
    req.argv = {"sh", "-c", "sleep 3017 & sleep 3017; echo never"};
    req.timeout_s = 1;
    auto t0 = std::chrono::steady_clock::now();
    auto r = rt->exec(req);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r.ok());
    CHECK(r->timed_out);
    CHECK_FALSE(r->ok());
    CHECK(r->out.empty());
    CHECK(secs < 10);
    // No leftover of the killed command (minbase has no pgrep: count through /proc).
    auto count = run(*rt,
                     {"sh", "-c",
                      "n=0; for c in /proc/[0-9]*/cmdline; do [ \"$(tr '\\0' ' ' < $c 2>/dev/null)\" = 'sleep 3017 ' ] && "
                      "n=$((n+1)); done; echo $n"},
                     RunAs::invoker);
    CHECK(count.out == "0\n");

    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        rt->cancel();
    });
    runtime::ExecRequest slow;
    slow.argv = {"sleep", "300"};
    t0 = std::chrono::steady_clock::now();
    auto c = rt->exec(slow);
    canceller.join();
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(c.ok());
    CHECK(c->cancelled);
    CHECK(secs < 10);
    auto after = rt->exec(slow);  // after cancel(), nothing more runs
    REQUIRE(after.ok());
    CHECK(after->cancelled);
}

TEST_CASE("a background child holding the output does not block exec", "[docker]") {
    auto rt = started_runtime("exec-bg");
    auto t0 = std::chrono::steady_clock::now();
    auto r = run(*rt, {"sh", "-c", "sleep 30 & echo started"});
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.exit_code == 0);
    CHECK(r.out == "started\n");
    CHECK(secs < 8);
}

TEST_CASE("copy in and out round trip, outside and inside the run folder", "[docker]") {
    auto rt = started_runtime("copy");
    fs::path src = fs::path(PGORCH_DOCKER_TEST_WORK) / unique_run_id("copysrc");
    fs::create_directories(src / "cases/case_1");
    std::ofstream(src / "fill_db.sh") << "#!/bin/sh\necho filled\n";
    fs::permissions(src / "fill_db.sh", fs::perms(0755));
    std::ofstream(src / "cases/case_1/query.sql") << "select 42;\n";
    std::string binary(100000, '\0');
    for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
    std::ofstream(src / "blob.bin", std::ios::binary) << binary;

    // 1. through the archive endpoints (a path the container does not share)
    fs::path inside = "/opt/pgorch-copy/scenario";
    REQUIRE(rt->copy_in(src, inside).ok());
    auto script = run(*rt, {inside.string() + "/fill_db.sh"});
    CHECK(script.out == "filled\n");
    auto owner = run(*rt, {"stat", "-c", "%U %a", inside.string() + "/cases/case_1/query.sql"});
    CHECK(owner.out == "postgres 644\n");
    run(*rt, {"sh", "-c", "echo written-inside > " + inside.string() + "/cases/case_1/result.txt"});
    fs::path back = src.string() + "-back";
    REQUIRE(rt->copy_out(inside, back).ok());
    CHECK(slurp(back / "cases/case_1/query.sql") == "select 42;\n");
    CHECK(slurp(back / "cases/case_1/result.txt") == "written-inside\n");
    CHECK(slurp(back / "blob.bin") == binary);
    CHECK((fs::status(back / "fill_db.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);

    // a single file
    REQUIRE(rt->copy_in(src / "cases/case_1/query.sql", "/opt/pgorch-copy/one.sql").ok());
    REQUIRE(rt->copy_out("/opt/pgorch-copy/one.sql", back / "one-back.sql").ok());
    CHECK(slurp(back / "one-back.sql") == "select 42;\n");

    // copying out something missing is an error naming it
    Status missing = rt->copy_out("/opt/pgorch-copy/nothing", back / "nothing");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("/opt/pgorch-copy/nothing") != std::string::npos);

    // 2. the run folder is shared at the same path: files written inside appear on the host
    fs::path run_dir = fs::path(PGORCH_DOCKER_TEST_WORK) / rt->container_name().substr(std::string("pgorch-").size());
    REQUIRE(rt->make_dir(run_dir / "clusters/a").ok());
    auto mk = run(*rt, {"sh", "-c", "echo from-container > " + (run_dir / "clusters/a/f.txt").string()});
    CHECK(mk.exit_code == 0);
    CHECK(slurp(run_dir / "clusters/a/f.txt") == "from-container\n");
    REQUIRE(rt->copy_in(src, run_dir / "scenario-copy").ok());
    auto cat = run(*rt, {"cat", (run_dir / "scenario-copy/cases/case_1/query.sql").string()});
    CHECK(cat.out == "select 42;\n");
    fs::remove_all(src);
    fs::remove_all(back);
}

TEST_CASE("make_dir gives new folders to the service user and free_port gives distinct free ports", "[docker]") {
    auto rt = started_runtime("dirs");
    REQUIRE(rt->make_dir("/srv/pgorch-a/b/c").ok());
    auto st = run(*rt, {"stat", "-c", "%U", "/srv/pgorch-a", "/srv/pgorch-a/b/c", "/srv"});
    CHECK(st.out == "postgres\npostgres\nroot\n");
    auto w = run(*rt, {"touch", "/srv/pgorch-a/b/c/file"});
    CHECK(w.exit_code == 0);
    auto p1 = rt->free_port();
    auto p2 = rt->free_port();
    REQUIRE(p1.ok());
    REQUIRE(p2.ok());
    CHECK(*p1 != *p2);
    CHECK(*p1 > 0);
}
