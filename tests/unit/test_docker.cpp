// Unit tests of the docker runtime's pieces that need no engine: DOCKER_HOST parsing, stream
// demultiplexing, registry credentials, the tar writer/reader.
#include "runtime/docker_client.hpp"
#include "runtime/tar.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <Poco/Base64Decoder.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace docker = pgorch::runtime::docker;
namespace tar = pgorch::runtime::tar;
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

TEST_CASE("a tar archive written is read back entry for entry", "[docker][tar]") {
    tar::Writer w;
    std::string long_dir(120, 'd');
    std::string very_long(300, 'n');
    w.add({"top", tar::EntryType::directory, 0755, 1, 2, 1700000000, "", ""});
    w.add({"top/a.txt", tar::EntryType::file, 0640, 999, 998, 1700000001, "", "hello\n"});
    w.add({"top/" + long_dir + "/b.bin", tar::EntryType::file, 0600, 0, 0, 0, "", std::string(1025, '\0')});
    w.add({"top/" + very_long, tar::EntryType::file, 0644, 0, 0, 0, "", "x"});
    w.add({"top/link", tar::EntryType::symlink, 0777, 0, 0, 0, "a.txt", ""});
    std::string ar = w.finish();
    CHECK(ar.size() % 512 == 0);
    auto entries = tar::read(ar);
    REQUIRE(entries.ok());
    REQUIRE(entries->size() == 5);
    const auto& e = *entries;
    CHECK(e[0].name == "top");
    CHECK(e[0].type == tar::EntryType::directory);
    CHECK(e[1].name == "top/a.txt");
    CHECK(e[1].data == "hello\n");
    CHECK(e[1].mode == 0640);
    CHECK(e[1].uid == 999);
    CHECK(e[1].gid == 998);
    CHECK(e[1].mtime == 1700000001);
    CHECK(e[2].name == "top/" + long_dir + "/b.bin");  // ustar prefix split
    CHECK(e[2].data == std::string(1025, '\0'));
    CHECK(e[3].name == "top/" + very_long);           // pax path
    CHECK(e[4].type == tar::EntryType::symlink);
    CHECK(e[4].link == "a.txt");
}

TEST_CASE("a corrupt or truncated tar archive is an error", "[docker][tar]") {
    tar::Writer w;
    w.add({"f", tar::EntryType::file, 0644, 0, 0, 0, "", std::string(2000, 'z')});
    std::string ar = w.finish();
    std::string broken = ar;
    broken[10] ^= 0x55;
    auto r = tar::read(broken);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("checksum") != std::string::npos);
    auto t = tar::read(std::string_view(ar).substr(0, 1024));
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("truncated") != std::string::npos);
}

TEST_CASE("a folder goes through tar and back unchanged, renamed at the top", "[docker][tar]") {
    fs::path base = fs::temp_directory_path() / ("pgorch-tar-" + std::to_string(::getpid()));
    fs::remove_all(base);
    fs::create_directories(base / "src/sub/deeper");
    std::ofstream(base / "src/run.sh") << "#!/bin/sh\necho hi\n";
    fs::permissions(base / "src/run.sh", fs::perms(0755));
    std::ofstream(base / "src/sub/deeper/data.sql") << "select 1;\n";
    fs::create_symlink("../run.sh", base / "src/sub/run-link");

    tar::Writer w;
    REQUIRE(w.add_path(base / "src", "src", 0, 0).ok());
    auto entries = tar::read(w.finish());
    REQUIRE(entries.ok());
    REQUIRE(tar::extract(*entries, base / "out", "copy").ok());
    std::ifstream f(base / "out/copy/sub/deeper/data.sql");
    std::string text((std::istreambuf_iterator<char>(f)), {});
    CHECK(text == "select 1;\n");
    CHECK((fs::status(base / "out/copy/run.sh").permissions() & fs::perms::owner_exec) != fs::perms::none);
    CHECK(fs::is_symlink(base / "out/copy/sub/run-link"));
    CHECK(fs::read_symlink(base / "out/copy/sub/run-link") == "../run.sh");

    std::vector<tar::Entry> evil{{"../escape", tar::EntryType::file, 0644, 0, 0, 0, "", "x"}};
    CHECK_FALSE(tar::extract(evil, base / "out").ok());
    CHECK_FALSE(fs::exists(base / "escape"));
    fs::remove_all(base);
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
