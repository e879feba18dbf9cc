// Not a test: measures the docker runtime's container start-to-ready time (start() until the
// first exec answers) and exec round-trip latency. Run through bench/docker.sh.
#include "runtime/docker_runtime.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <vector>

using namespace pgorch;
using Clock = std::chrono::steady_clock;

// Milliseconds since `t`.
static double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Prints min / median / p90 / max of samples in milliseconds.
static void report(const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
    std::printf("%-34s n=%-3zu min %8.1f ms  median %8.1f ms  p90 %8.1f ms  max %8.1f ms\n", what, v.size(), v.front(),
                at(0.5), at(0.9), v.back());
}

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);
    std::string image = argc > 1 ? argv[1] : "pgorch-debian:bookworm";
    int starts = argc > 2 ? std::atoi(argv[2]) : 5;
    int execs = argc > 3 ? std::atoi(argv[3]) : 30;
    auto ep = runtime::docker::endpoint_from_env();
    if (!ep) { std::fprintf(stderr, "%s\n", ep.error().str().c_str()); return 2; }
    std::vector<double> start_ms, exec_ms, exec_stdin_ms;
    for (int i = 0; i < starts; ++i) {
        runtime::DockerOptions o;
        o.image = image;
        std::string run_id = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(i);
        runtime::DockerRuntime rt(runtime::docker::Client(*ep), run_id, "/tmp/pgorch-bench/" + run_id, o);
        auto t0 = Clock::now();
        if (Status st = rt.start(); !st) { std::fprintf(stderr, "%s\n", st.error().str().c_str()); return 1; }
        runtime::ExecRequest req;
        req.argv = {"true"};
        auto r = rt.exec(req);
        if (!r || !r->ok()) { std::fprintf(stderr, "first exec failed\n"); return 1; }
        start_ms.push_back(ms_since(t0));
        if (i == 0)
            for (int k = 0; k < execs; ++k) {
                auto t = Clock::now();
                auto e = rt.exec(req);
                if (!e || !e->ok()) { std::fprintf(stderr, "exec failed\n"); return 1; }
                exec_ms.push_back(ms_since(t));
                runtime::ExecRequest in;
                in.argv = {"cat"};
                in.stdin_data = "select 1;\n";
                t = Clock::now();
                e = rt.exec(in);
                if (!e || !e->ok()) { std::fprintf(stderr, "exec with stdin failed\n"); return 1; }
                exec_stdin_ms.push_back(ms_since(t));
            }
    }
    std::printf("engine %s, image %s\n", ep->str().c_str(), image.c_str());
    report("container start-to-ready", start_ms);
    report("exec round trip (true)", exec_ms);
    report("exec round trip with stdin (cat)", exec_stdin_ms);
    return 0;
}
