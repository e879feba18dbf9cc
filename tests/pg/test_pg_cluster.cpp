// Clusters on real PostgreSQL: locale, configuration, scripts, restart, crashes, services.
#include "harness.hpp"

#include "cluster/locale.hpp"
#include "cluster/pg_cluster.hpp"
#include "cluster/scripts.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>
#include <unistd.h>

using namespace pgtest;

TEST_CASE("a ru_RU.UTF-8 cluster with a configuration file and a fill script keeps its data across restart",
          "[pg][cluster]") {
    Harness h("locale");
    cluster::Install in = h.latest("15");
    cluster::ClusterSpec spec;
    spec.id = "main";
    spec.install = in;
    spec.initdb_args = {"--encoding=UTF8", "--locale=ru_RU.UTF-8"};
    auto c = h.clusters->create(spec);
    REQUIRE(c.ok());
    Status st = (*c)->init();  // generates ru_RU.UTF-8 when this machine lacks it (root)
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());

    fs::path conf = h.run_dir / "1c.conf";
    std::ofstream(conf) << "work_mem = '12MB'\nshared_buffers = 32MB\nport = 5440\n";
    REQUIRE((*c)->configure(conf).ok());
    REQUIRE((*c)->set_parameter("application_name", "pgorch test").ok());
    st = (*c)->start(60);
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    CHECK(scalar(**c, "SHOW work_mem") == "12MB");
    CHECK(scalar(**c, "SHOW shared_buffers") == "32MB");
    CHECK(scalar(**c, "SHOW port") == std::to_string((*c)->port()));  // pgorch's port wins
    CHECK(scalar(**c, "SHOW lc_collate") == "ru_RU.UTF-8");
    CHECK(scalar(**c, "SHOW server_encoding") == "UTF8");
    CHECK(scalar(**c, "SELECT current_setting('application_name', true) IS NOT NULL") == "t");

    // A seed-style fill script, unchanged: psql from PATH, connection from the environment.
    fs::path fill = h.run_dir / "fill_db.sh";
    std::ofstream(fill) << "#!/bin/bash\n"
                           "psql -U postgres -c \"CREATE TABLE test_table (id serial PRIMARY KEY, name text);\"\n"
                           "psql -U postgres -c \"INSERT INTO test_table (name) SELECT 'строка ' || g FROM generate_series(1, 500) g;\"\n"
                           "echo \"filled $PGORCH_CLUSTER on $PGORCH_PG_VERSION\"\n";
    auto r = cluster::run_script(*h.rt, fill, (*c)->client_env(), {}, 120);
    REQUIRE(r.ok());
    INFO(r->out + r->err);
    REQUIRE(r->ok());
    CHECK(r->out.find("filled main on " + in.version) != std::string::npos);

    fs::path check = h.run_dir / "check.sql";
    std::ofstream(check) << "SELECT count(*) FROM test_table;\n";
    auto q = cluster::run_script(*h.rt, check, (*c)->client_env(), {}, 60);
    REQUIRE(q.ok());
    CHECK(q->ok());
    CHECK(q->out.find("500") != std::string::npos);

    REQUIRE((*c)->stop("fast").ok());
    CHECK_FALSE((*c)->running());
    REQUIRE((*c)->start().ok());
    CHECK(scalar(**c, "SELECT count(*) FROM test_table") == "500");
    CHECK(scalar(**c, "SELECT name FROM test_table WHERE id = 1") == "строка 1");
    CHECK(scalar(**c, "SHOW work_mem") == "12MB");
    REQUIRE((*c)->stop().ok());
    CHECK(fs::file_size((*c)->server_log()) > 0);
    REQUIRE(h.clusters->copy_server_logs(h.run_dir / "results" / "logs").ok());
    CHECK(fs::file_size(h.run_dir / "results" / "logs" / "main.server.log") > 0);
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("kill -9 of the postmaster is reported with the log tail and does not disturb the next start",
          "[pg][crash]") {
    Harness h("crash");
    cluster::Install in = h.latest("15");
    cluster::Cluster* c = h.started("victim", in);
    long pid = [&] {
        std::ifstream f(c->datadir() / "postmaster.pid");
        long p = 0;
        f >> p;
        return p;
    }();
    REQUIRE(pid > 0);
    REQUIRE(::kill(static_cast<pid_t>(pid), SIGKILL) == 0);
    for (int i = 0; i < 100 && cluster::process_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));

    Status alive = c->check_alive();
    REQUIRE_FALSE(alive.ok());
    INFO(alive.error().str());
    CHECK(alive.error().message.find("cluster \"victim\"") != std::string::npos);
    CHECK(alive.error().message.find("victim.server.log") != std::string::npos);
    CHECK(alive.error().message.find("ready to accept connections") != std::string::npos);  // the log tail
    auto q = c->sql("postgres", "SELECT 1");
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().message.find("cluster \"victim\"") != std::string::npos);

    // A new cluster starts fine; so does the killed one despite its stale pid file and socket lock.
    cluster::Cluster* next = h.started("next", in);
    CHECK(scalar(*next, "SELECT 1") == "1");
    Status again = Status::success();
    for (int i = 0; i < 50; ++i) {  // orphaned backends notice the postmaster's death and exit
        again = c->start(30);
        if (again) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    INFO((again ? std::string() : again.error().str()));
    REQUIRE(again.ok());
    CHECK(scalar(*c, "SELECT 2") == "2");
    h.clusters->stop_all();
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("a script that exits 1 is a clear error with its output", "[pg][bad]") {
    Harness h("script");
    cluster::Install in = h.latest("15");
    cluster::Cluster* c = h.started("main", in);
    fs::path bad = h.run_dir / "post_check.sh";
    std::ofstream(bad) << "echo checking\necho 'row count mismatch' >&2\nexit 1\n";
    auto r = cluster::run_script(*h.rt, bad, c->client_env(), {}, 60);
    REQUIRE(r.ok());
    CHECK(r->exit_code == 1);
    Status st = cluster::script_failure(bad, *r);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("script \"post_check.sh\" exited with code 1") != std::string::npos);
    CHECK(st.error().message.find("row count mismatch") != std::string::npos);

    fs::path badsql = h.run_dir / "broken.sql";
    std::ofstream(badsql) << "SELECT 1;\nSELECT * FROM no_such_table;\nSELECT 3;\n";
    auto s = cluster::run_script(*h.rt, badsql, c->client_env(), {}, 60);
    REQUIRE(s.ok());
    CHECK(s->exit_code != 0);  // ON_ERROR_STOP
    CHECK(s->err.find("no_such_table") != std::string::npos);

    auto missing = cluster::run_script(*h.rt, h.run_dir / "nope.sh", c->client_env(), {}, 60);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("nope.sh") != std::string::npos);
    h.clusters.reset();
    CHECK(postmasters_under(h.run_dir).empty());
}

TEST_CASE("plugins drive clusters through the run services", "[pg][services]") {
    Harness h("services");
    cluster::Install in = h.latest("15");
    namespace json = boost::json;
    auto& s = *h.services;
    auto created = s.cluster("test", json::object{{"op", "create"}, {"cluster", "svc"}, {"install", in.to_json()},
                                                  {"initdb_args", json::array{"--encoding=UTF8", "--locale=C"}}});
    INFO(json::serialize(created.response));
    REQUIRE(created.status == PGORCH_OK);
    REQUIRE(s.cluster("test", json::object{{"op", "start"}, {"cluster", "svc"}}).status == PGORCH_OK);
    auto q = s.sql("test", json::object{{"cluster", "svc"}, {"sql", "SELECT current_user, 1 + 1 AS two"}});
    REQUIRE(q.status == PGORCH_OK);
    CHECK(q.response.at("rows").at(0).at(0).as_string() == "postgres");
    CHECK(q.response.at("columns").at(1).as_string() == "two");

    auto e = s.exec("test", json::object{{"argv", json::array{"id", "-un"}}, {"as", "postgres"}});
    REQUIRE(e.status == PGORCH_OK);
    if (::geteuid() == 0) CHECK(e.response.at("stdout").as_string() != "root\n");
    auto psql = s.exec("test", json::object{{"argv", json::array{in.bin("psql").string(), "-Atc", "SELECT 42"}},
                                            {"env", json::object{{"PGHOST", h.clusters->find("svc")->socket_dir().string()},
                                                                 {"PGPORT", std::to_string(h.clusters->find("svc")->port())},
                                                                 {"PGUSER", "postgres"}}}});
    REQUIRE(psql.status == PGORCH_OK);
    CHECK(psql.response.at("stdout").as_string() == "42\n");

    CHECK(s.write_artifact("test", "../escape.txt", "x") == PGORCH_ERR_INVALID);
    CHECK(s.write_artifact("test", "/etc/passwd", "x") == PGORCH_ERR_INVALID);
    CHECK(s.write_artifact("test", "step1/plan.txt", "plan") == PGORCH_OK);
    CHECK(fs::exists(h.run_dir / "results" / "step1" / "plan.txt"));

    auto prov = s.provision("test", json::object{{"db_type", "pgdg"}, {"version", in.version}});
    REQUIRE(prov.status == PGORCH_OK);
    CHECK(prov.response.at("version").as_string() == in.version);

    auto stop = s.cluster("test", json::object{{"op", "stop"}, {"cluster", "svc"}, {"mode", "fast"}});
    REQUIRE(stop.status == PGORCH_OK);
    CHECK(stop.response.at("running").as_bool() == false);
    auto bad = s.cluster("test", json::object{{"op", "start"}, {"cluster", "nope"}});
    CHECK(bad.status == PGORCH_ERR_INVALID);
    auto destroyed = s.cluster("test", json::object{{"op", "destroy"}, {"cluster", "svc"}});
    CHECK(destroyed.status == PGORCH_OK);
    CHECK(h.clusters->find("svc") == nullptr);

    // A locale this machine cannot have is refused before initdb runs.
    auto nolocale = s.cluster("test", json::object{{"op", "create"}, {"cluster", "xx"}, {"install", in.to_json()},
                                                   {"initdb_args", "--locale=xx_YY.UTF-8"}});
    CHECK(nolocale.status != PGORCH_OK);
    CHECK(json::serialize(nolocale.response).find("xx_YY.UTF-8") != std::string::npos);
    CHECK(postmasters_under(h.run_dir).empty());
}
