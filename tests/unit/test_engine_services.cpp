// The run's services (engine/services.hpp) as plugins see them, over the fake runtime and fake
// clusters: what a request becomes, what comes back, what is refused.
#include "support/engine_world.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace pgorch;
using test::EngineWorld;
namespace json = boost::json;
namespace fs = std::filesystem;

TEST_CASE("services: an exec request becomes the runtime's command and its result the response", "[engine][services]") {
    EngineWorld w;
    w.runtime.on_exec = [](const runtime::ExecRequest&) { return test::FakeRuntime::result(2, "out\n", "err\n"); };
    auto r = w.services->exec("pg_upgrade", {{"argv", json::array{"/fake/bin/pg_upgrade", "--check"}},
                                             {"env", {{"PGDATA", "/d"}, {"IGNORED", 1}}},
                                             {"cwd", "/w"},
                                             {"timeout_s", 5},
                                             {"as", "invoker"},
                                             {"stdin", "yes\n"}});
    REQUIRE(r.status == PGORCH_OK);
    CHECK(r.response.at("exit_code") == 2);  // a command that exits non-zero is still PGORCH_OK
    CHECK(r.response.at("stdout") == "out\n");
    CHECK(r.response.at("stderr") == "err\n");
    CHECK(r.response.at("timed_out") == false);
    REQUIRE(w.runtime.requests().size() == 1);
    const runtime::ExecRequest q = w.runtime.requests()[0];
    CHECK(q.argv == std::vector<std::string>{"/fake/bin/pg_upgrade", "--check"});
    CHECK(q.env == std::map<std::string, std::string>{{"PGDATA", "/d"}});
    CHECK(q.cwd == "/w");
    CHECK(q.timeout_s == 5);
    CHECK(q.as == runtime::RunAs::invoker);
    CHECK(q.stdin_data == "yes\n");
    CHECK(q.log_tag == "pg_upgrade: pg_upgrade");
    // "as" defaults to the service user.
    REQUIRE(w.services->exec("x", {{"argv", json::array{"true"}}}).status == PGORCH_OK);
    CHECK(w.runtime.requests()[1].as == runtime::RunAs::service_user);
}

TEST_CASE("services: a bad exec request is refused and nothing runs", "[engine][services]") {
    EngineWorld w;
    for (const auto& [request, message] : std::vector<std::pair<json::object, std::string>>{
             {{}, "exec: \"argv\" is missing or empty"},
             {{{"argv", json::array{}}}, "exec: \"argv\" is missing or empty"},
             {{{"argv", json::array{"ls", 1}}}, "exec: \"argv\" must hold strings only"},
             {{{"argv", json::array{"ls"}}, {"as", "root"}}, "exec: \"as\" must be \"postgres\" or \"invoker\", not \"root\""}}) {
        auto r = w.services->exec("x", request);
        CHECK(r.status == PGORCH_ERR_INVALID);
        CHECK(r.response.at("error") == json::value(message));
    }
    CHECK(w.runtime.requests().empty());
}

TEST_CASE("services: after an interrupt exec answers PGORCH_ERR_CANCELLED and cancelled() says so", "[engine][services][cancel]") {
    EngineWorld w;
    CHECK_FALSE(w.services->cancelled());
    REQUIRE(w.services->exec("x", {{"argv", json::array{"true"}}}).status == PGORCH_OK);
    w.cancel = true;
    w.runtime.cancel();
    CHECK(w.services->cancelled());
    auto r = w.services->exec("x", {{"argv", json::array{"sleep", "60"}}});
    CHECK(r.status == PGORCH_ERR_CANCELLED);
    CHECK(r.response.at("error") == "interrupted");
}

TEST_CASE("services: the cluster ops reach the run's clusters", "[engine][services]") {
    EngineWorld w;
    json::object install = EngineWorld::layout("15.1");
    auto op = [&](json::object rq) { return w.services->cluster("step", rq); };

    auto created = op({{"op", "create"}, {"cluster", "new"}, {"install", install}, {"initdb_args", "--locale=C --no-sync"}});
    REQUIRE(created.status == PGORCH_OK);
    CHECK(created.response.at("id") == "new");
    CHECK(created.response.at("running") == false);
    CHECK(created.response.at("datadir") == json::value((w.ctx.run_dir / "clusters" / "new" / "data").string()));
    CHECK(w.journal.has("cluster new: init"));  // create runs initdb
    CHECK(op({{"op", "start"}, {"cluster", "new"}}).response.at("running") == true);
    CHECK(op({{"op", "status"}, {"cluster", "new"}}).status == PGORCH_OK);
    CHECK(op({{"op", "set_parameter"}, {"cluster", "new"}, {"name", "work_mem"}, {"value", "64MB"}}).status == PGORCH_OK);
    CHECK(op({{"op", "configure"}, {"cluster", "new"}, {"file", "/s/1c.conf"}}).status == PGORCH_OK);
    CHECK(op({{"op", "restart"}, {"cluster", "new"}, {"mode", "immediate"}}).status == PGORCH_OK);
    auto swapped = op({{"op", "use_install"}, {"cluster", "new"}, {"install", EngineWorld::layout("15.2")}});
    CHECK(swapped.response.at("install").at("version") == "15.2");
    CHECK(op({{"op", "info"}, {"id", "new"}}).response.at("version") == "15.2");  // "id" is accepted for "cluster"
    CHECK(op({{"op", "stop"}, {"cluster", "new"}}).response.at("running") == false);
    CHECK(w.journal.starting("cluster new") ==
          std::vector<std::string>{"cluster new: init", "cluster new: start", "cluster new: set_parameter work_mem=64MB",
                                   "cluster new: configure 1c.conf", "cluster new: stop immediate", "cluster new: start",
                                   "cluster new: use_install 15.2", "cluster new: stop fast"});
    CHECK(op({{"op", "destroy"}, {"cluster", "new"}}).response == json::object{{"destroyed", "new"}});
    CHECK(w.clusters->find("new") == nullptr);

    auto gone = op({{"op", "start"}, {"cluster", "new"}});
    CHECK(gone.status == PGORCH_ERR_INVALID);
    CHECK(gone.response.at("error") == "cluster start: cluster \"new\" does not exist");
    REQUIRE(op({{"op", "create"}, {"cluster", "other"}, {"install", install}}).status == PGORCH_OK);
    auto unknown = op({{"op", "explode"}, {"cluster", "other"}});
    CHECK(unknown.status == PGORCH_ERR_INVALID);
    CHECK(unknown.response.at("error") == "cluster: unknown op \"explode\"");
    auto no_install = op({{"op", "create"}, {"cluster", "third"}});
    CHECK(no_install.status == PGORCH_ERR_INVALID);
    CHECK(no_install.response.at("error") == "cluster create: \"install\" is missing");
}

TEST_CASE("services: a cluster whose initdb fails is not left behind", "[engine][services]") {
    EngineWorld w;
    w.fake_clusters.on_op = [](test::FakeCluster& c, const std::string& op) -> Status {
        if (op == "init") return Error::failed("initdb of \"" + c.id() + "\" failed (exit 1)");
        return {};
    };
    auto r = w.services->cluster("step", {{"op", "create"}, {"cluster", "new"}, {"install", EngineWorld::layout("15.1")}});
    CHECK(r.status == PGORCH_ERR_FAILED);
    CHECK(r.response.at("error") == "initdb of \"new\" failed (exit 1)");
    CHECK(w.clusters->find("new") == nullptr);
}

TEST_CASE("services: sql goes to the named cluster, the provision service to the provisioner", "[engine][services]") {
    EngineWorld w;
    auto missing = w.services->sql("timing", {{"cluster", "nowhere"}, {"sql", "select 1"}});
    CHECK(missing.status == PGORCH_ERR_INVALID);
    CHECK(missing.response.at("error") == "sql: cluster \"nowhere\" does not exist");
    REQUIRE(w.services->cluster("x", {{"op", "create"}, {"cluster", "c"}, {"install", EngineWorld::layout("15.1")}}).status == PGORCH_OK);
    CHECK(w.services->sql("timing", {{"cluster", "c"}, {"sql", "SHOW server_version"}}).status == PGORCH_ERR_FAILED);  // not started
    REQUIRE(w.services->cluster("x", {{"op", "start"}, {"cluster", "c"}}).status == PGORCH_OK);
    auto r = w.services->sql("timing", {{"cluster", "c"}, {"sql", "SHOW server_version"}});
    REQUIRE(r.status == PGORCH_OK);
    CHECK(json::serialize(r.response.at("rows")) == R"([["15.1"]])");  // one row of one cell

    auto p = w.services->provision("vendor", {{"db_type", "fakedb"}, {"version", "15.4"}});
    REQUIRE(p.status == PGORCH_OK);
    CHECK(p.response.at("bindir") == "/fake/15.4/bin");
    CHECK(p.response.at("distro") == "fakedb");
    CHECK(w.distro->calls(plugins::Callback::provision) == 1);
}

TEST_CASE("services: artifacts stay inside the results folder; settings name the run", "[engine][services]") {
    EngineWorld w;
    CHECK(w.services->write_artifact("x", "steps/01-x/out.txt", "abc") == PGORCH_OK);
    std::ifstream in(w.ctx.results_dir / "steps/01-x/out.txt");
    std::string text;
    std::getline(in, text);
    CHECK(text == "abc");
    for (const char* bad : {"../escape.txt", "/etc/passwd", "a/../../b", ""})
        CHECK(w.services->write_artifact("x", bad, "abc") == PGORCH_ERR_INVALID);
    CHECK_FALSE(fs::exists(w.ctx.run_dir / "escape.txt"));

    CHECK(w.services->setting("run_dir") == w.ctx.run_dir.string());
    CHECK(w.services->setting("results_dir") == w.ctx.results_dir.string());
    CHECK(w.services->setting("runtime") == "local");
    CHECK(w.services->setting("no_such_setting") == std::nullopt);
}
