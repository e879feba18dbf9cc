// Shared helpers of the docker tests: the engine from DOCKER_HOST (set by ctest to the private
// podman socket) and runtimes with unique names whose containers are removed afterwards.
#pragma once

#include "runtime/docker_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace pgorch::testing {

namespace fs = std::filesystem;

// The client for DOCKER_HOST; fails the test when the engine does not answer.
inline runtime::docker::Client engine() {
    auto ep = runtime::docker::endpoint_from_env();
    REQUIRE(ep.ok());
    runtime::docker::Client c(*ep);
    auto v = c.api_version();
    INFO((v.ok() ? std::string() : v.error().str()));
    REQUIRE(v.ok());
    return c;
}

// A fresh run id: unique per process and call.
inline std::string unique_run_id(const std::string& what) {
    static std::atomic<int> n{0};
    return "t" + std::to_string(::getpid()) + "-" + what + "-" + std::to_string(++n);
}

// A started DockerRuntime on the test image with its own run folder under /tmp.
inline std::unique_ptr<runtime::DockerRuntime> started_runtime(const std::string& what,
                                                               runtime::DockerOptions opts = {}) {
    std::string run_id = unique_run_id(what);
    fs::path run_dir = fs::path(PGORCH_DOCKER_TEST_WORK) / run_id;
    fs::create_directories(run_dir);
    if (opts.image.empty()) opts.image = PGORCH_TEST_IMAGE;
    auto rt = std::make_unique<runtime::DockerRuntime>(engine(), run_id, run_dir, opts);
    Status st = rt->start();
    INFO((st.ok() ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    return rt;
}

// Runs argv in the runtime and requires that it could be started.
inline runtime::ExecResult run(runtime::Runtime& rt, std::vector<std::string> argv,
                               runtime::RunAs as = runtime::RunAs::service_user) {
    runtime::ExecRequest req;
    req.argv = std::move(argv);
    req.as = as;
    auto r = rt.exec(req);
    INFO((r.ok() ? std::string() : r.error().str()));
    REQUIRE(r.ok());
    return std::move(r).value();
}

}  // namespace pgorch::testing
