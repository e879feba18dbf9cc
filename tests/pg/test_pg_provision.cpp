// pgdg provisioning on this machine: Debian packages of exact versions, the cache, bad input.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

using namespace pgtest;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("15.18 and 15.20 are provisioned via deb from a clean cache and report their exact version", "[pg][deb]") {
    fs::path cache = fs::path(PGORCH_PG_WORK) / "clean-cache";
    fs::remove_all(cache);
    setenv("PGORCH_PGDG_METHODS", "deb", 1);
    uint32_t catversion = 0;
    {
        Harness h("deb-clean", cache);
        for (std::string v : {"15.18", "15.20"}) {
            cluster::Install in = h.install(v);
            CHECK(in.method == "deb");
            CHECK(in.version == v);
            CHECK(in.major == "15");
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
    // A second provision (new run, nothing memoized) comes from the cache, well under a second.
    {
        Harness h("deb-warm", cache);
        auto t0 = std::chrono::steady_clock::now();
        cluster::Install in = h.install("15.20");
        double warm = seconds_since(t0);
        CHECK(warm < 0.5);
        CHECK(in.catalog_version == catversion);
        CHECK(h.provisioner->list_versions("pgdg").ok());
        auto versions = *h.provisioner->list_versions("pgdg");
        CHECK(std::find(versions.begin(), versions.end(), "15.18") != versions.end());
    }
    unsetenv("PGORCH_PGDG_METHODS");
    CHECK(postmasters_under(PGORCH_PG_WORK).empty());
    fs::remove_all(cache);
}

TEST_CASE("an unknown version fails with the list of available versions", "[pg][bad]") {
    Harness h("unknown");
    auto in = h.provisioner->provision("pgdg", "15.99");
    REQUIRE_FALSE(in.ok());
    INFO(in.error().str());
    CHECK(in.error().message.find("15.99") != std::string::npos);
    CHECK(in.error().message.find("15.18") != std::string::npos);
    CHECK(in.error().message.find("15.20") != std::string::npos);
    CHECK(in.error().code == ExitCode::invalid_input);
    auto bad = h.provisioner->provision("pgdg", "fifteen");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("\"fifteen\"") != std::string::npos);
    auto none = h.provisioner->provision("nosuchdistro", "15.20");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("\"nosuchdistro\"") != std::string::npos);
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("an unreadable package file is a clear error", "[pg][bad]") {
    Harness h("badpkg");
    fs::path junk = h.run_dir / "postgresql-15_15.20-0_amd64.deb";
    std::ofstream(junk) << "this is not a Debian package\n";
    auto in = h.provisioner->provision("pgdg", "15.20", "", {junk.string()});
    REQUIRE_FALSE(in.ok());
    INFO(in.error().str());
    CHECK(in.error().message.find(junk.string()) != std::string::npos);
    CHECK(in.error().code == ExitCode::invalid_input);
    fs::path missing = h.run_dir / "missing.deb";
    auto in2 = h.provisioner->provision("pgdg", "15.18", "", {missing.string()});
    REQUIRE_FALSE(in2.ok());
    CHECK(in2.error().message.find(missing.string()) != std::string::npos);
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("the package method unpacks the scenario's .deb files", "[pg][package]") {
    Harness h("pkg");
    fs::path debs = h.run_dir / "packages";
    fs::create_directories(debs);
    runtime::ExecRequest req;
    req.argv = {"apt-get", "download", "-q", "postgresql-15=15.18-0+deb12u1", "postgresql-client-15=15.18-0+deb12u1"};
    req.cwd = debs;
    req.as = runtime::RunAs::invoker;
    auto r = h.rt->exec(req);
    REQUIRE(r.ok());
    REQUIRE(r->ok());
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(debs)) files.push_back(e.path().string());
    REQUIRE(files.size() == 2);
    auto in = h.provisioner->provision("pgdg", "15.18", "", files);
    INFO((in ? std::string() : in.error().str()));
    REQUIRE(in.ok());
    CHECK(in->method == "package");
    cluster::Cluster* c = h.started("pkg", *in);
    CHECK(scalar(*c, "SHOW server_version").rfind("15.18", 0) == 0);
}

TEST_CASE("the path method uses an existing installation and checks its version", "[pg][path]") {
    Harness h("path");
    cluster::Install deb = [&] {
        setenv("PGORCH_PGDG_METHODS", "deb", 1);
        cluster::Install i = h.install("15.20");
        unsetenv("PGORCH_PGDG_METHODS");
        return i;
    }();
    Harness h2("path2");
    h2.provisioner->set_options("pgdg", boost::json::object{{"methods", "path"}, {"path", deb.bindir.string()}});
    auto in = h2.provisioner->provision("pgdg", "15.20");
    INFO((in ? std::string() : in.error().str()));
    REQUIRE(in.ok());
    CHECK(in->method == "path");
    CHECK(in->catalog_version == deb.catalog_version);
    auto wrong = h2.provisioner->provision("pgdg", "15.18");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message.find("not 15.18") != std::string::npos);
}

// Not a test: bench/provision.sh runs this hidden case and reads its timings.
TEST_CASE("bench: cold vs warm provisioning, cluster create+start+stop", "[.bench]") {
    const char* v = std::getenv("PGORCH_BENCH_VERSION");
    std::string version = v && *v ? v : "15.20";
    fs::path cache = fs::path(PGORCH_PG_WORK) / "bench-cache";
    fs::remove_all(cache);
    setenv("PGORCH_PGDG_METHODS", "deb", 1);
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
