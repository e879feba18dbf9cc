// The original tool's DockerContainerManager tests, for real, against podman's API service:
// init, unreachable engine, same-name container removal, start/stop, image present/missing.
#include "harness.hpp"

#include <csignal>
#include <sys/wait.h>

using namespace pgorch;
using namespace pgorch::testing;
namespace docker = pgorch::runtime::docker;

TEST_CASE("init succeeds: the engine answers /version and the runtime starts a labelled container", "[docker]") {
    auto c = engine();
    auto v = c.api_version();
    REQUIRE(v.ok());
    CHECK_FALSE(v->empty());
    auto rt = started_runtime("init");
    auto info = c.inspect_container(rt->container_name());
    REQUIRE(info.ok());
    REQUIRE(info->has_value());
    CHECK((*info)->state == "running");
    CHECK((*info)->labels.at("pgorch") == "1");
    CHECK((*info)->labels.at("pgorch.pid") == std::to_string(::getpid()));
    CHECK((*info)->labels.at("pgorch.run").find("-init-") != std::string::npos);
    CHECK(rt->name() == "docker");
    CHECK(rt->service_user() == "postgres");
    std::string name = rt->container_name();
    REQUIRE(rt->finish().ok());
    auto gone = c.inspect_container(name);
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
}

TEST_CASE("an unreachable engine gives a clear error with a hint", "[docker]") {
    auto ep = docker::parse_docker_host("unix:///tmp/pgorch-no-engine-here.sock");
    REQUIRE(ep.ok());
    runtime::DockerOptions o;
    o.image = PGORCH_TEST_IMAGE;
    runtime::DockerRuntime rt(docker::Client(*ep, 3), unique_run_id("unreachable"), PGORCH_DOCKER_TEST_WORK "/x", o);
    Status st = rt.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.rfind("cannot reach the docker engine at unix:///tmp/pgorch-no-engine-here.sock: ", 0) == 0);
    CHECK(st.error().hint.find("DOCKER_HOST") != std::string::npos);
    CHECK(st.error().code == ExitCode::environment);
}

TEST_CASE("an existing container with the same name is removed first", "[docker]") {
    auto c = engine();
    std::string name = "pgorch-test-samename-" + std::to_string(::getpid());
    docker::ContainerSpec spec;
    spec.name = name;
    spec.image = PGORCH_TEST_IMAGE;
    spec.cmd = {"sleep", "600"};
    spec.labels = {{"pgorch.test", "old"}};
    auto old_id = c.create_container(spec);
    REQUIRE(old_id.ok());
    REQUIRE(c.start_container(*old_id).ok());

    runtime::DockerOptions o;
    o.container_name = name;
    auto rt = started_runtime("samename", o);
    CHECK(rt->container_name() == name);
    CHECK(rt->container_id() != *old_id);
    auto old = c.inspect_container(*old_id);
    REQUIRE(old.ok());
    CHECK_FALSE(old->has_value());
    auto now = c.inspect_container(name);
    REQUIRE(now.ok());
    REQUIRE(now->has_value());
    CHECK((*now)->labels.count("pgorch.test") == 0);
}

TEST_CASE("a container starts and stops, stopping a missing one is not an error but starting one is", "[docker]") {
    auto c = engine();
    docker::ContainerSpec spec;
    spec.name = "pgorch-test-startstop-" + std::to_string(::getpid());
    spec.image = PGORCH_TEST_IMAGE;
    spec.cmd = {"sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"};
    auto id = c.create_container(spec);
    REQUIRE(id.ok());
    REQUIRE(c.start_container(*id).ok());
    CHECK((*c.inspect_container(*id))->state == "running");
    REQUIRE(c.stop_container(*id, 5).ok());
    CHECK((*c.inspect_container(*id))->state == "exited");
    REQUIRE(c.remove_container(*id).ok());
    CHECK(c.stop_container(*id).ok());
    Status st = c.start_container(*id);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("cannot start container \"" + *id + "\"") == 0);
}

TEST_CASE("an image present is used and a missing image with no registry is a clear error", "[docker]") {
    auto c = engine();
    auto present = c.ensure_image(PGORCH_TEST_IMAGE, "");
    REQUIRE(present.ok());
    CHECK(*present == PGORCH_TEST_IMAGE);

    auto missing = c.ensure_image("pgorch-no-such-image:0.0", "");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message == "image \"pgorch-no-such-image:0.0\" is not present and no registry is configured");
    CHECK(missing.error().hint.find("tools/build-image") != std::string::npos);

    runtime::DockerOptions o;
    o.image = "pgorch-no-such-image:0.0";
    runtime::DockerRuntime rt(c, unique_run_id("noimage"), PGORCH_DOCKER_TEST_WORK "/noimage", o);
    Status st = rt.start();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("is not present and no registry is configured") != std::string::npos);

    // With a registry that cannot be reached, the pull fails with the registry named.
    auto pulled = c.ensure_image("pgorch-no-such-image:0.0", "127.0.0.1:1");
    REQUIRE_FALSE(pulled.ok());
    CHECK(pulled.error().message.find("cannot pull image \"127.0.0.1:1/pgorch-no-such-image:0.0\"") == 0);
}

TEST_CASE("a crashed run's container is removed by the next start", "[docker]") {
    auto c = engine();
    pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    REQUIRE(dead > 0);
    ::waitpid(dead, nullptr, 0);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    docker::ContainerSpec spec;
    spec.name = "pgorch-test-crashed-" + std::to_string(::getpid());
    spec.image = PGORCH_TEST_IMAGE;
    spec.cmd = {"sleep", "600"};
    spec.labels = {{"pgorch", "1"}, {"pgorch.run", "crashed"}, {"pgorch.pid", std::to_string(dead)}, {"pgorch.host", host}};
    auto crashed = c.create_container(spec);
    REQUIRE(crashed.ok());
    REQUIRE(c.start_container(*crashed).ok());
    // A container of a live run (this process) must survive.
    spec.name += "-alive";
    spec.labels["pgorch.pid"] = std::to_string(::getpid());
    auto alive = c.create_container(spec);
    REQUIRE(alive.ok());

    auto rt = started_runtime("aftercrash");
    auto gone = c.inspect_container(*crashed);
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->has_value());
    auto kept = c.inspect_container(*alive);
    REQUIRE(kept.ok());
    CHECK(kept->has_value());
    REQUIRE(c.remove_container(*alive).ok());
}

TEST_CASE("the container's logs are read through the API", "[docker]") {
    auto c = engine();
    docker::ContainerSpec spec;
    spec.image = PGORCH_TEST_IMAGE;
    spec.cmd = {"sh", "-c", "echo to-out; echo to-err >&2"};
    auto id = c.create_container(spec);
    REQUIRE(id.ok());
    REQUIRE(c.start_container(*id).ok());
    std::string logs;
    for (int i = 0; i < 50; ++i) {
        auto l = c.logs(*id);
        REQUIRE(l.ok());
        logs = *l;
        if (logs.find("to-err") != std::string::npos) break;
        ::usleep(100000);
    }
    CHECK(logs.find("to-out\n") != std::string::npos);
    CHECK(logs.find("to-err\n") != std::string::npos);
    REQUIRE(c.remove_container(*id).ok());
}
