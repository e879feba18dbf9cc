// The ttdb distro plugin through the ABI, against a scripted exec service: what its validate
// callback finds in a version, an edition and package files, and what provision refuses. Nexus
// and real packages: tests/ttdb.
#include "support/fake_services.hpp"

#include "plugins/registry.hpp"

#include <pgorch/distro.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace pgorch;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// dpkg --print-architecture answers amd64; dpkg-deb --field FILE Version the version of FILE.
struct ScriptedDpkg : test::FakeServices {
    std::map<std::string, std::string> versions;
    ScriptedDpkg() {
        on_exec = [this](const json::object& request) {
            std::vector<std::string> argv;
            for (const auto& a : request.at("argv").as_array()) argv.emplace_back(a.as_string());
            if (argv.size() == 2 && argv[0] == "dpkg" && argv[1] == "--print-architecture") return exec_answer(0, "amd64\n");
            if (argv.size() == 4 && argv[0] == "dpkg-deb" && versions.count(argv[2])) return exec_answer(0, versions[argv[2]] + "\n");
            return exec_answer(2, "", "no such file");
        };
    }
};

struct Ttdb {
    plugins::Registry reg;
    plugins::Plugin* p = nullptr;
    ScriptedDpkg host;
    Ttdb() {
        REQUIRE(reg.load_file(fs::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-distro-ttdb.so"));
        p = reg.find(plugins::Kind::distro, "ttdb");
        REQUIRE(p != nullptr);
        host.is_cancelled = false;
    }
    // validate() of one version; the problems as "field error|warning: message".
    std::vector<std::string> check(const std::string& version, const std::string& edition,
                                   std::vector<std::string> packages = {}) {
        sdk::DistroValidateRequest in;
        in.version = version;
        in.edition = edition;
        in.packages = std::move(packages);
        auto out = p->call(plugins::Callback::validate, host, in.to_json());
        INFO(out.error);
        REQUIRE(out.ok());
        std::vector<std::string> r;
        for (const auto& x : sdk::DistroValidateResult::from_json(out.result).problems)
            r.push_back(x.field + (x.error ? " error: " : " warning: ") + x.message);
        return r;
    }
};

}  // namespace

TEST_CASE("ttdb validate: MAJOR.MINOR.PATCH or a selector, and a db_edition", "[ttdb]") {
    Ttdb t;
    CHECK(t.check("15.6.0", "se").empty());
    CHECK(t.check("15", "be").empty());
    for (const char* bad : {"15.6", "15.6.0.1", "v15.6.0", "15.x.0", "latest"})
        CHECK(t.check(bad, "se") ==
              std::vector<std::string>{"db_version error: ttdb version \"" + std::string(bad) + "\" is not MAJOR.MINOR.PATCH"});
    CHECK(t.check("15.6.0", "") == std::vector<std::string>{"db_edition error: db_type ttdb needs a db_edition"});
    CHECK(t.check("15.6.0", "Se") == std::vector<std::string>{"db_edition error: db_edition \"Se\" is not an edition name"});
    CHECK(t.check("15.6.0", "se-2c") ==
          std::vector<std::string>{"db_edition warning: db_edition \"se-2c\" is not an edition pgorch knows (be, se, se-1c, certified)"});
}

TEST_CASE("ttdb validate: a package file of another version is refused, a misnamed one warned about", "[ttdb]") {
    Ttdb t;
    t.host.versions = {{"/s/packages/tantor-se-server-15_15.6.0_amd64.deb", "15.6.0"}, {"/s/server.deb", "15.6.0"}};
    CHECK(t.check("15.6.0", "se", {"/s/packages/tantor-se-server-15_15.6.0_amd64.deb"}).empty());
    CHECK(t.check("15.10.0", "se", {"/s/packages/tantor-se-server-15_15.6.0_amd64.deb"}) ==
          std::vector<std::string>{
              "package warning: package file \"tantor-se-server-15_15.6.0_amd64.deb\" is not named like the server package of "
              "ttdb 15.10.0 se (\"tantor-se-server-15_15.10.0_amd64.deb\")",
              "package error: package file \"tantor-se-server-15_15.6.0_amd64.deb\" is version 15.6.0 (its Version field), but "
              "db_version is 15.10.0"});
    CHECK(t.check("15.6.0", "se", {"/s/server.deb"}) ==
          std::vector<std::string>{"package warning: package file \"server.deb\" is not named like the server package of "
                                   "ttdb 15.6.0 se (\"tantor-se-server-15_15.6.0_amd64.deb\")"});
    auto missing = t.check("15.6.0", "se", {"/s/packages/tantor-se-server-15_15.6.0_amd64.deb", "/s/gone.deb"});
    REQUIRE(missing.size() == 2);
    CHECK(missing[1].rfind("package error: package file \"/s/gone.deb\" cannot be read as a Debian package", 0) == 0);
    CHECK(t.check("15", "se", {"/s/server.deb"}) ==
          std::vector<std::string>{"db_version error: package files need an exact db_version, not the selector \"15\""});
}

TEST_CASE("ttdb refuses unknown methods and provisions only exact versions of an edition", "[ttdb]") {
    Ttdb t;
    auto bad = t.p->call(plugins::Callback::validate, t.host, {{"options", json::object{{"methods", "nexus,ftp"}}}});
    CHECK(bad.status == PGORCH_ERR_INVALID);
    CHECK(bad.error == "unknown ttdb method \"ftp\" (known: package, nexus, installer)");
    t.host.settings["cache_dir"] = "/tmp/pgorch-ttdb-unit-cache";
    auto sel = t.p->call(plugins::Callback::provision, t.host, {{"version", "15"}, {"edition", "se"}});
    CHECK(sel.status == PGORCH_ERR_INVALID);
    CHECK(sel.error.find("ttdb version \"15\" is not MAJOR.MINOR.PATCH") == 0);
    auto no_ed = t.p->call(plugins::Callback::provision, t.host, {{"version", "15.6.0"}, {"edition", nullptr}});
    CHECK(no_ed.status == PGORCH_ERR_INVALID);
    CHECK(no_ed.error == "db_type ttdb needs a db_edition (be, se, se-1c, certified)");
}
