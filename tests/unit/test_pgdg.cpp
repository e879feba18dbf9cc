// The pgdg distro plugin against a scripted host: every command goes through the exec service,
// the cache marker short-cuts provisioning, unknown versions list what exists.
#include "plugins/registry.hpp"
#include "support/fake_services.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgorch;
namespace json = boost::json;

namespace {

// A host whose exec answers like a Debian machine with postgresql-15 15.18 and 15.20 in apt and
// 15.20 in the cache.
struct ScriptedHost : test::FakeServices {
    ScriptedHost() {
        settings = {{"cache_dir", "/fake/cache"}};
        on_exec = [](const json::object& req) {
            std::vector<std::string> argv;
            for (const auto& a : req.at("argv").as_array()) argv.emplace_back(a.as_string());
            if (argv[0] == "mkdir") return exec_answer(0);
            if (argv[0] == "cat" && argv[1] == "/fake/cache/pgdg/15.20/.pgorch-install.json")
                return exec_answer(0, R"({"distro":"pgdg","version":"15.20","major":"15","bindir":"/fake/cache/pgdg/15.20/usr/lib/postgresql/15/bin",)"
                                      R"("libdir":"/l","sharedir":"/s","catalog_version":202209061,"method":"deb"})");
            if (argv[0] == "apt-cache" && argv[1] == "search") return exec_answer(0, "postgresql-15 - server\n");
            if (argv[0] == "apt-cache" && argv[1] == "madison")
                return exec_answer(0,
                                   "postgresql-15 | 15.20-0+deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n"
                                   "postgresql-15 | 15.18-0+deb12u1 | http://deb.debian.org/debian bookworm/main amd64 Packages\n");
            return exec_answer(1);
        };
    }
};

plugins::Plugin* load_pgdg(plugins::Registry& reg) {
    reg.load_file(std::filesystem::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-distro-pgdg.so");
    return reg.find(plugins::Kind::distro, "pgdg");
}

json::object input(const std::string& version, const std::string& methods) {
    return json::object{{"version", version}, {"edition", nullptr}, {"package", json::array{}},
                        {"options", json::object{{"methods", methods}}}};
}

}  // namespace

TEST_CASE("pgdg takes a cached version from its marker without downloading", "[pgdg]") {
    plugins::Registry reg;
    plugins::Plugin* p = load_pgdg(reg);
    REQUIRE(p != nullptr);
    ScriptedHost host;
    auto out = p->call(plugins::Callback::provision, host, input("15.20", "deb"));
    INFO(out.error);
    REQUIRE(out.ok());
    CHECK(out.result.at("bindir").as_string() == "/fake/cache/pgdg/15.20/usr/lib/postgresql/15/bin");
    CHECK(out.result.at("catalog_version").to_number<int64_t>() == 202209061);
    for (const auto& c : host.exec_argv) CHECK(c[0] != "apt-get");
}

TEST_CASE("pgdg refuses unknown versions with what is available, and bad input", "[pgdg]") {
    plugins::Registry reg;
    plugins::Plugin* p = load_pgdg(reg);
    REQUIRE(p != nullptr);
    ScriptedHost host;
    auto out = p->call(plugins::Callback::provision, host, input("15.99", "path,deb"));
    REQUIRE_FALSE(out.ok());
    CHECK(out.status == PGORCH_ERR_INVALID);
    CHECK(out.error.find("cannot provide PostgreSQL 15.99") != std::string::npos);
    CHECK(out.error.find("path: option \"path\" is not set") != std::string::npos);
    CHECK(out.error.find("it has 15.20, 15.18") != std::string::npos);
    CHECK(out.error.find("15.18 (deb)") != std::string::npos);

    auto bad_method = p->call(plugins::Callback::provision, host, input("15.20", "deb,magic"));
    CHECK(bad_method.status == PGORCH_ERR_INVALID);
    CHECK(bad_method.error.find("\"magic\"") != std::string::npos);
    auto bad_version = p->call(plugins::Callback::provision, host, input("fifteen", "deb"));
    CHECK(bad_version.status == PGORCH_ERR_INVALID);
    auto no_minor = p->call(plugins::Callback::provision, host, input("15", "deb"));
    CHECK(no_minor.status == PGORCH_ERR_INVALID);

    auto list = p->call(plugins::Callback::list_versions, host, json::object{{"options", json::object{}}});
    REQUIRE(list.ok());
    CHECK(json::serialize(list.result.at("versions")) == R"(["15.18","15.20"])");
}

TEST_CASE("pgdg in a docker runtime installs with apt first, pinned to the version", "[pgdg]") {
    plugins::Registry reg;
    plugins::Plugin* p = load_pgdg(reg);
    REQUIRE(p != nullptr);
    // In the container: apt-get and file writes succeed, the binaries never appear.
    ScriptedHost host;
    host.settings["runtime"] = "docker";
    host.on_exec = [debian = host.on_exec](const json::object& req) {
        std::string cmd(req.at("argv").at(0).as_string());
        if (cmd == "env" || cmd == "tee") return test::FakeServices::exec_answer(0);
        return debian(req);
    };
    json::object in = input("15.18", "");
    in["options"] = json::object{};
    auto out = p->call(plugins::Callback::provision, host, in);
    REQUIRE_FALSE(out.ok());
    INFO(out.error);
    // Default order in docker: apt, then source; never the local path/deb methods.
    CHECK(out.error.find("apt: ") != std::string::npos);
    CHECK(out.error.find("source: ") != std::string::npos);
    CHECK(out.error.find("path: ") == std::string::npos);
    CHECK(out.error.find("deb: ") == std::string::npos);
    bool updated = false, installed = false;
    for (const auto& c : host.exec_argv) {
        std::string line;
        for (const auto& a : c) line += a + " ";
        updated |= line.find("DEBIAN_FRONTEND=noninteractive apt-get update") != std::string::npos;
        installed |= line.find("apt-get install -y -q --no-install-recommends postgresql-15=15.18-0+deb12u1 "
                               "postgresql-client-15=15.18-0+deb12u1") != std::string::npos;
    }
    CHECK(updated);
    CHECK(installed);
}
