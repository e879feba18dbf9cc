// pgdg provisioning on this machine: Debian packages of exact versions, the cache, bad input.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>

using namespace pgtest;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

// The exact versions the deb method offers here today (Debian keeps only the newest of a suite).
static std::vector<std::string> deb_versions(Harness& h, const std::string& major) {
    auto l = h.provisioner->listing("pgdg", major);
    INFO((l ? std::string() : l.error().str()));
    REQUIRE(l.ok());
    std::vector<std::string> v;
    for (const auto& o : l->offers)
        if (o.method == "deb" && std::find(v.begin(), v.end(), o.version) == v.end()) v.push_back(o.version);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return sdk::compare_versions(a, b) < 0; });
    return v;
}

TEST_CASE("every 15.x apt offers is provisioned via deb from a clean cache and reports its exact version", "[pg][deb]") {
    fs::path cache = fs::path(PGORCH_PG_WORK) / "clean-cache";
    fs::remove_all(cache);
    setenv("PGORCH_PGDG_METHODS", "deb", 1);
    uint32_t catversion = 0;
    std::vector<std::string> versions;
    {
        Harness h("deb-clean", cache);
        versions = deb_versions(h, "15");
        INFO("apt offers no postgresql-15 at all: Debian 12's main suite always has one");
        REQUIRE(!versions.empty());
        for (const std::string& v : versions) {
            cluster::Install in = h.install(v);
            CHECK(in.method == "deb");
            CHECK(in.version == v);
            CHECK(in.major == "15");
            CHECK(in.full());
            CHECK(in.bindir.string().rfind(cache.string(), 0) == 0);
            CHECK(fs::exists(cache / "pgdg" / v / ".pgorch-install.json"));
            CHECK(in.catalog_version > 200000000u);
            if (catversion) CHECK(in.catalog_version == catversion);  // same major, same catalog
            catversion = in.catalog_version;
            cluster::Cluster* c = h.started("v" + v, in);
            std::string version = scalar(*c, "SELECT version()");
            CHECK(version.rfind("PostgreSQL " + v + " ", 0) == 0);
            CHECK(scalar(*c, "SHOW server_version").rfind(v, 0) == 0);
        }
    }
    // A second provision (new run, nothing memoized) comes from the cache, well under a second,
    // and the listing says it is cached.
    {
        Harness h("deb-warm", cache);
        auto t0 = std::chrono::steady_clock::now();
        cluster::Install in = h.install(versions.back());
        double warm = seconds_since(t0);
        CHECK(warm < 0.5);
        CHECK(in.catalog_version == catversion);
        auto l = h.provisioner->listing("pgdg", "15");
        REQUIRE(l.ok());
        bool cached = false;
        for (const auto& o : l->offers) cached |= o.version == versions.back() && o.method == "deb" && o.cached;
        CHECK(cached);
    }
    unsetenv("PGORCH_PGDG_METHODS");
    CHECK(postmasters_under(PGORCH_PG_WORK).empty());
    fs::remove_all(cache);
}

TEST_CASE("an unknown version fails with the list of available versions", "[pg][bad]") {
    Harness h("unknown");
    auto have = deb_versions(h, "15");
    REQUIRE(!have.empty());
    auto in = h.provisioner->provision("pgdg", "15.99");
    REQUIRE_FALSE(in.ok());
    INFO(in.error().str());
    CHECK(in.error().message.find("15.99") != std::string::npos);
    for (const auto& v : have) CHECK(in.error().message.find(v) != std::string::npos);
    CHECK(in.error().code == ExitCode::invalid_input);
    auto bad = h.provisioner->provision("pgdg", "fifteen");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("\"fifteen\"") != std::string::npos);
    auto none = h.provisioner->provision("nosuchdistro", have.front());
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("\"nosuchdistro\"") != std::string::npos);
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("an unreadable package file is a clear error", "[pg][bad]") {
    Harness h("badpkg");
    fs::path junk = h.run_dir / "postgresql-15_15.20-0_amd64.deb";
    std::ofstream(junk) << "this is not a Debian package\n";
    auto in = h.provisioner->provision("pgdg", "15.12", "", {junk.string()});
    REQUIRE_FALSE(in.ok());
    INFO(in.error().str());
    CHECK(in.error().message.find(junk.string()) != std::string::npos);
    CHECK(in.error().code == ExitCode::invalid_input);
    fs::path missing = h.run_dir / "missing.deb";
    auto in2 = h.provisioner->provision("pgdg", "15.12", "", {missing.string()});
    REQUIRE_FALSE(in2.ok());
    CHECK(in2.error().message.find(missing.string()) != std::string::npos);
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("the package method unpacks the scenario's .deb files", "[pg][package]") {
    Harness h("pkg");
    fs::path debs = h.run_dir / "packages";
    fs::create_directories(debs);
    runtime::ExecRequest req;  // whatever 15.x apt has today
    req.argv = {"apt-get", "download", "-q", "postgresql-15", "postgresql-client-15"};
    req.cwd = debs;
    req.as = runtime::RunAs::invoker;
    auto r = h.rt->exec(req);
    REQUIRE(r.ok());
    REQUIRE(r->ok());
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(debs)) files.push_back(e.path().string());
    REQUIRE(files.size() == 2);
    req.argv = {"dpkg-deb", "--field", files.front(), "Version"};
    auto f = h.rt->exec(req);
    REQUIRE(f.ok());
    std::string version = f->out.substr(0, f->out.find('-'));  // "15.20-0+deb12u1" -> "15.20"
    auto in = h.provisioner->provision("pgdg", version, "", files);
    INFO((in ? std::string() : in.error().str()));
    REQUIRE(in.ok());
    CHECK(in->method == "package");
    cluster::Cluster* c = h.started("pkg", *in);
    CHECK(scalar(*c, "SHOW server_version").rfind(version, 0) == 0);
}

TEST_CASE("the path method uses an existing installation and checks its version", "[pg][path]") {
    Harness h("path");
    cluster::Install deb = [&] {
        setenv("PGORCH_PGDG_METHODS", "deb", 1);
        cluster::Install i = h.latest("15");
        unsetenv("PGORCH_PGDG_METHODS");
        return i;
    }();
    Harness h2("path2");
    h2.provisioner->set_options("pgdg", boost::json::object{{"methods", "path"}, {"path", deb.bindir.string()}});
    auto in = h2.provisioner->provision("pgdg", deb.version);
    INFO((in ? std::string() : in.error().str()));
    REQUIRE(in.ok());
    CHECK(in->method == "path");
    CHECK(in->catalog_version == deb.catalog_version);
    auto wrong = h2.provisioner->provision("pgdg", "15.0");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message.find("not 15.0") != std::string::npos);
}

// Not a test: bench/provision.sh runs this hidden case and reads its timings.
TEST_CASE("bench: cold vs warm provisioning, cluster create+start+stop", "[.bench]") {
    const char* v = std::getenv("PGORCH_BENCH_VERSION");
    std::string version = v && *v ? v : "";
    fs::path cache = fs::path(PGORCH_PG_WORK) / "bench-cache";
    fs::remove_all(cache);
    setenv("PGORCH_PGDG_METHODS", "deb", 1);
    if (version.empty()) {  // the newest 15.x apt has today
        Harness h("bench-list", cache);
        version = deb_versions(h, "15").back();
    }
    double cold = 0, warm = 0, create = 0, start = 0, stop = 0;
    cluster::Install in;
    {
        Harness h("bench-cold", cache);
        auto t0 = std::chrono::steady_clock::now();
        in = h.install(version);
        cold = seconds_since(t0);
    }
    Harness h("bench-warm", cache);
    auto t0 = std::chrono::steady_clock::now();
    in = h.install(version);
    warm = seconds_since(t0);
    cluster::ClusterSpec spec;
    spec.id = "bench";
    spec.install = in;
    t0 = std::chrono::steady_clock::now();
    auto c = h.clusters->create(spec);
    REQUIRE(c.ok());
    REQUIRE((*c)->init().ok());
    create = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    REQUIRE((*c)->start().ok());
    start = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    REQUIRE((*c)->stop().ok());
    stop = seconds_since(t0);
    unsetenv("PGORCH_PGDG_METHODS");
    fs::remove_all(cache);
    std::printf("pgdg %s via deb\n  provision cold   %8.3f s\n  provision warm   %8.3f s\n"
                "  cluster create   %8.3f s (initdb)\n  cluster start    %8.3f s\n  cluster stop     %8.3f s\n"
                "  create+start+stop %7.3f s\n",
                version.c_str(), cold, warm, create, start, stop, create + start + stop);
}
