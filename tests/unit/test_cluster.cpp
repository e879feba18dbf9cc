// Cluster pieces that need no PostgreSQL: locale names, install layouts, the manager's paths,
// the script runner's commands and failure messages.
#include "cluster/cluster.hpp"
#include "cluster/locale.hpp"
#include "cluster/scripts.hpp"
#include "runtime/local_runtime.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

using namespace pgorch;
namespace fs = std::filesystem;

TEST_CASE("locale names are compared the way glibc does", "[cluster][locale]") {
    CHECK(cluster::normalize_locale("ru_RU.UTF-8") == "ru_RU.utf8");
    CHECK(cluster::normalize_locale("ru_RU.utf8") == "ru_RU.utf8");
    CHECK(cluster::normalize_locale("de_DE.ISO-8859-15@euro") == "de_DE.iso885915@euro");
    CHECK(cluster::normalize_locale("C") == "C");
    auto l = cluster::requested_locales({"--encoding=UTF8", "--locale=ru_RU.UTF-8", "--lc-messages", "C", "--lc-collate=ru_RU.UTF-8"});
    CHECK(l == std::vector<std::string>{"ru_RU.UTF-8", "C"});
}

TEST_CASE("localedef commands come from the SUPPORTED list or the codeset", "[cluster][locale]") {
    std::string supported = "ru_RU.UTF-8 UTF-8\nru_RU ISO-8859-5\nru_RU.KOI8-R KOI8-R\n";
    CHECK(cluster::localedef_command("ru_RU.UTF-8", supported) ==
          std::vector<std::string>{"localedef", "-i", "ru_RU", "-f", "UTF-8", "ru_RU.UTF-8"});
    CHECK(cluster::localedef_command("ru_RU", supported) ==
          std::vector<std::string>{"localedef", "-i", "ru_RU", "-f", "ISO-8859-5", "ru_RU"});
    CHECK(cluster::localedef_command("ru_RU.koi8r", supported)[4] == "KOI8-R");
    CHECK(cluster::localedef_command("de_DE.utf8", "")[4] == "UTF-8");
    CHECK(cluster::localedef_command("xx_YY", "").empty());
}

TEST_CASE("install layouts round-trip through JSON and name missing fields", "[cluster]") {
    cluster::Install in;
    in.distro = "pgdg";
    in.version = "15.20";
    in.major = "15";
    in.bindir = "/c/pgdg/15.20/usr/lib/postgresql/15/bin";
    in.catalog_version = 202209061;
    in.method = "deb";
    auto back = cluster::Install::from_json(in.to_json());
    REQUIRE(back.ok());
    CHECK(back->bindir == in.bindir);
    CHECK(back->catalog_version == 202209061u);
    CHECK(back->bin("psql") == in.bindir / "psql");
    auto bad = cluster::Install::from_json(boost::json::object{{"version", "15.20"}});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "install layout has no \"bindir\"");
    auto derived = cluster::Install::from_json(boost::json::object{{"version", "9.6.24"}, {"bindir", "/x"}});
    REQUIRE(derived.ok());
}

TEST_CASE("the manager checks ids and picks folders, ports and short socket paths", "[cluster]") {
    fs::path run = fs::temp_directory_path() / ("pgorch-cm-" + std::to_string(::getpid()));
    runtime::LocalRuntime rt(run);
    cluster::ClusterManager cm(rt, run);
    cluster::ClusterSpec spec;
    spec.id = "main";
    spec.install.bindir = "/nonexistent/bin";
    spec.install.version = "15.20";
    auto c = cm.create(spec);
    REQUIRE(c.ok());
    CHECK((*c)->datadir() == run / "clusters" / "main" / "data");
    CHECK((*c)->socket_dir() == run / "clusters" / "main" / "sock");
    CHECK((*c)->port() > 0);
    CHECK((*c)->server_log() == run / "logs" / "main.server.log");
    auto env = (*c)->client_env();
    CHECK(env["PGUSER"] == "postgres");
    CHECK(env["PGPORT"] == std::to_string((*c)->port()));
    CHECK(env["PATH"].rfind("/nonexistent/bin:", 0) == 0);
    CHECK(env["PGORCH_CLUSTER"] == "main");
    CHECK(cm.create(spec).error().message == "cluster \"main\" already exists");
    spec.id = "../evil";
    CHECK_FALSE(cm.create(spec).ok());

    fs::path deep = run / std::string(90, 'd');
    cluster::ClusterManager cm2(rt, deep);
    spec.id = "long";
    auto l = cm2.create(spec);
    REQUIRE(l.ok());
    CHECK((*l)->socket_dir().string().rfind("/tmp/pgorch-", 0) == 0);
    CHECK((*l)->socket_dir().string().size() < 40);
    fs::remove_all(run);
}

TEST_CASE("scripts run by extension and fail with their name, code and output", "[cluster][scripts]") {
    fs::path dir = fs::temp_directory_path() / ("pgorch-sc-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "a.sh") << "echo from-sh $PGORCH_X\n";
    std::ofstream(dir / "b.py") << "import os\nprint('from-py', os.getcwd())\n";
    std::ofstream(dir / "c.sql") << "SELECT 1;\n";
    std::ofstream(dir / "d.txt") << "nothing\n";
    CHECK(*cluster::script_command(dir / "c.sql") ==
          std::vector<std::string>{"psql", "-v", "ON_ERROR_STOP=1", "-X", "-f", (dir / "c.sql").string()});
    CHECK_FALSE(cluster::script_command(dir / "d.txt").ok());
    CHECK_FALSE(cluster::script_command(dir / "missing.sh").ok());

    runtime::LocalRuntime rt(dir);
    // As root scripts run as the service user; unit tests stay with the invoker.
    if (::geteuid() != 0) {
        auto r = cluster::run_script(rt, dir / "a.sh", {{"PGORCH_X", "1"}}, {}, 30);
        REQUIRE(r.ok());
        CHECK(r->out == "from-sh 1\n");
        auto p = cluster::run_script(rt, dir / "b.py", {}, {}, 30);
        REQUIRE(p.ok());
        CHECK(p->out == "from-py " + dir.string() + "\n");
    }
    runtime::ExecResult failed;
    failed.exit_code = 1;
    failed.out = "line1\nline2\n";
    failed.err = "boom\n";
    Status st = cluster::script_failure(dir / "post.sh", failed, 2);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == "script \"post.sh\" exited with code 1; last output:\n  line2\n  boom");
    runtime::ExecResult good;
    good.exit_code = 0;
    CHECK(cluster::script_failure(dir / "x.sh", good).ok());
    fs::remove_all(dir);
}
