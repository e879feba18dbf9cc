// Unit tests of the docker runtime's pieces that need no engine: DOCKER_HOST parsing, stream
// demultiplexing, registry credentials (archives: test_archive.cpp).
#include "runtime/docker_client.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <Poco/Base64Decoder.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace docker = pgorch::runtime::docker;
namespace fs = std::filesystem;

TEST_CASE("DOCKER_HOST forms are parsed", "[docker]") {
    auto def = docker::parse_docker_host("");
    REQUIRE(def.ok());
    CHECK(def->is_unix);
    CHECK(def->path == "/var/run/docker.sock");
    CHECK(def->str() == "unix:///var/run/docker.sock");

    auto u = docker::parse_docker_host("unix:///tmp/x/podman.sock");
    REQUIRE(u.ok());
    CHECK(u->is_unix);
    CHECK(u->path == "/tmp/x/podman.sock");

    auto t = docker::parse_docker_host("tcp://10.0.0.5:2376");
    REQUIRE(t.ok());
    CHECK_FALSE(t->is_unix);
    CHECK(t->host == "10.0.0.5");
    CHECK(t->port == 2376);
    CHECK(t->str() == "tcp://10.0.0.5:2376");

    auto noport = docker::parse_docker_host("tcp://engine.local");
    REQUIRE(noport.ok());
    CHECK(noport->port == 2375);
    CHECK(noport->host == "engine.local");

    auto v6 = docker::parse_docker_host("tcp://[::1]:2375/");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->port == 2375);
}

TEST_CASE("invalid DOCKER_HOST values are refused with a sentence", "[docker]") {
    for (const char* bad : {"ssh://me@host", "unix://relative.sock", "tcp://host:99999", "tcp://host:abc", "tcp://:2375"}) {
        auto r = docker::parse_docker_host(bad);
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("invalid DOCKER_HOST \"" + std::string(bad) + "\"") == 0);
        CHECK_FALSE(r.error().hint.empty());
    }
}

TEST_CASE("the multiplexed stream is split into stdout and stderr at any chunk boundary", "[docker]") {
    std::string stream = docker::mux_frame("hello\n", false) + docker::mux_frame("oops\n", true) +
                         docker::mux_frame("", false) + docker::mux_frame(std::string(70000, 'x'), false) +
                         docker::mux_frame("tail", true);
    for (size_t chunk : {size_t(1), size_t(3), size_t(7), size_t(8), size_t(4096), stream.size()}) {
        std::string out, err;
        int frames = 0;
        docker::StreamDemuxer d([&](std::string_view data, bool is_err) {
            (is_err ? err : out).append(data);
            ++frames;
        });
        for (size_t off = 0; off < stream.size(); off += chunk) d.feed(std::string_view(stream).substr(off, chunk));
        INFO("chunk " << chunk);
        CHECK(out == "hello\n" + std::string(70000, 'x'));
        CHECK(err == "oops\ntail");
        CHECK(d.pending() == 0);
        CHECK(frames == 4);  // the empty frame is not handed out
    }
}

TEST_CASE("a frame header announces its length big-endian", "[docker]") {
    std::string f = docker::mux_frame(std::string(0x010203, 'a'), true);
    REQUIRE(f.size() == 8 + 0x010203);
    CHECK(f[0] == 2);
    CHECK(f[4] == 0x00);
    CHECK(f[5] == 0x01);
    CHECK(f[6] == 0x02);
    CHECK(f[7] == 0x03);
    docker::StreamDemuxer d([](std::string_view, bool) { FAIL("incomplete frame handed out"); });
    d.feed(std::string_view(f).substr(0, 100));
    CHECK(d.pending() == 100);
}

// Decodes the X-Registry-Auth header (base64url JSON).
static boost::json::object decode_auth(const std::string& header) {
    std::string b64 = header;
    for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    std::istringstream in(b64);
    Poco::Base64Decoder dec(in);
    std::string text(std::istreambuf_iterator<char>(dec), {});
    return boost::json::parse(text).as_object();
}

TEST_CASE("registry credentials come from the environment or the docker config", "[docker]") {
    ::unsetenv("PGORCH_REGISTRY_USER");
    ::unsetenv("PGORCH_REGISTRY_PASSWORD");
    fs::path dir = fs::temp_directory_path() / ("pgorch-docker-auth-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    {
        std::ofstream f(dir / "config.json");
        // "alice:s3cret" in base64
        f << R"({"auths": {"https://registry.example.com:5000/": {"auth": "YWxpY2U6czNjcmV0"}}})";
    }
    CHECK(docker::registry_auth("other.example.com", (dir / "config.json").string()).empty());
    std::string h = docker::registry_auth("registry.example.com:5000", (dir / "config.json").string());
    REQUIRE_FALSE(h.empty());
    auto o = decode_auth(h);
    CHECK(o.at("username").as_string() == "alice");
    CHECK(o.at("password").as_string() == "s3cret");
    CHECK(o.at("serveraddress").as_string() == "registry.example.com:5000");

    ::setenv("PGORCH_REGISTRY_USER", "bob", 1);
    ::setenv("PGORCH_REGISTRY_PASSWORD", "pa:ss", 1);
    auto o2 = decode_auth(docker::registry_auth("https://registry.example.com:5000", (dir / "config.json").string()));
    CHECK(o2.at("username").as_string() == "bob");
    CHECK(o2.at("password").as_string() == "pa:ss");
    ::unsetenv("PGORCH_REGISTRY_USER");
    ::unsetenv("PGORCH_REGISTRY_PASSWORD");
    CHECK(docker::registry_auth("registry.example.com:5000", (dir / "missing.json").string()).empty());
    fs::remove_all(dir);
}

TEST_CASE("an unreachable engine is a clear error naming its address", "[docker]") {
    auto ep = docker::parse_docker_host("unix:///nonexistent/pgorch-no-engine.sock");
    REQUIRE(ep.ok());
    docker::Client client(*ep, 2);
    auto v = client.api_version();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message.find("cannot reach the docker engine at unix:///nonexistent/pgorch-no-engine.sock: ") == 0);
    CHECK_FALSE(v.error().hint.empty());
}
