// The upgrade flow's control (engine/upgrade.cpp) on fakes: no PostgreSQL, no process. What
// runs when, what a step plugin gets, what a failure or an interrupt leaves undone.
#include "support/engine_world.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace pgorch;
using plugins::Callback;
using plugins::Kind;
using test::EngineWorld;
using test::FakePlugin;
using test::kChainOf15_1;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// A minor-update-like step: the same cluster, switched to the target installation.
FakePlugin::Fn swap_install() {
    return [](plugins::ServiceProvider& host, const json::object& in) {
        auto r = host.cluster("swap", {{"op", "use_install"}, {"cluster", in.at("cluster")}, {"install", in.at("to")}});
        if (r.status != PGORCH_OK) return FakePlugin::fail(r.status, json::serialize(r.response));
        return FakePlugin::ok(json::object{{"cluster", in.at("cluster")}, {"metrics", {{"downtime_ms", 5}}}});
    };
}

// A dump/restore-like step: a new cluster on the target installation holds the data afterwards.
FakePlugin::Fn new_cluster() {
    return [](plugins::ServiceProvider& host, const json::object& in) {
        json::value id = in.at("new_cluster");
        for (json::object rq : {json::object{{"op", "create"}, {"cluster", id}, {"install", in.at("to")}},
                                json::object{{"op", "start"}, {"cluster", id}},
                                json::object{{"op", "stop"}, {"cluster", in.at("cluster")}}}) {
            auto r = host.cluster("copy", rq);
            if (r.status != PGORCH_OK) return FakePlugin::fail(r.status, json::serialize(r.response));
        }
        return FakePlugin::ok(json::object{{"cluster", id}});
    };
}

FakePlugin::Fn fails_with(int32_t status, std::string message) {
    return [status, message](plugins::ServiceProvider&, const json::object&) { return FakePlugin::fail(status, message); };
}

FakePlugin& step(EngineWorld& w, const std::string& name, FakePlugin::Fn run) {
    FakePlugin& p = w.add(Kind::step, name);
    p.callbacks[Callback::run] = std::move(run);
    return p;
}

// Journals the server check of the verification as "verify <cluster>".
void journal_verification(EngineWorld& w) {
    w.fake_clusters.on_sql = [&w](test::FakeCluster& c, const std::string&, const std::string& sql)
        -> std::optional<Expected<cluster::SqlResult>> {
        if (sql == "SHOW server_version") w.journal.add("verify " + c.id());
        return std::nullopt;
    };
}

// The journal without SQL-free noise: what ran, in order.
std::vector<std::string> events(const EngineWorld& w) {
    std::vector<std::string> out;
    for (auto& l : w.journal.lines())
        if (!l.starts_with("plugin distro")) out.push_back(l);
    return out;
}

json::object report(const EngineWorld& w) {
    std::ifstream in(w.ctx.results_dir / "report.json");
    std::stringstream text;
    text << in.rdbuf();
    REQUIRE_FALSE(text.str().empty());
    return json::parse(text.str()).as_object();
}

std::vector<std::string> verdicts(const json::object& report) {
    std::vector<std::string> out;
    for (const auto& s : report.at("steps").as_array()) out.emplace_back(s.at("verdict").as_string());
    return out;
}

// The request of the script whose file name is `name` (the last one run).
runtime::ExecRequest script_request(const EngineWorld& w, const std::string& name) {
    std::optional<runtime::ExecRequest> found;
    for (const auto& r : w.runtime.requests())
        if (r.argv.size() > 1 && fs::path(r.argv[1]).filename() == name) found = r;
    REQUIRE(found);
    return *found;
}

void scripts(EngineWorld& w, std::initializer_list<const char*> names) {
    for (const char* n : names) w.file(n, "true\n");
}

const std::string kTwoSteps = kChainOf15_1 + R"(steps:
  - type: first
    db_version: '15.2'
  - type: second
    db_version: '15.3'
)";

}  // namespace

TEST_CASE("upgrade chain: scripts, the step plugin and the verification run in their documented order", "[engine][upgrade]") {
    EngineWorld w;
    scripts(w, {"init_pre.sh", "fill.sh", "init_post.sh", "pre_all.sh", "post_all.sh", "verify_all.sh", "pre_1.sh",
                "post_1.sh", "verify_1.sh"});
    w.scenario(kChainOf15_1 + R"(initial_pre_scripts: [init_pre.sh]
initial_setup_script: fill.sh
initial_post_scripts: [init_post.sh]
pre_scripts: [pre_all.sh]
post_scripts: [post_all.sh]
verifiers: [verify_all.sh]
steps:
  - type: swap
    db_version: '15.2'
    pre_scripts: [pre_1.sh]
    post_scripts: [post_1.sh]
    verifiers: [verify_1.sh]
    args:
      level: '3'
  - type: swap
    db_version: '15.3'
)");
    FakePlugin& swap = step(w, "swap", swap_install());
    swap.option_specs = {plugins::OptionSpec{"level", PGORCH_OPT_INTEGER}};
    journal_verification(w);
    w.validate();

    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    INFO(w.journal.str());
    CHECK(out.code == ExitCode::passed);
    CHECK(events(w) == std::vector<std::string>{
        "cluster c0-15.1: init", "cluster c0-15.1: start",
        "exec bash init_pre.sh", "exec bash fill.sh", "exec bash init_post.sh",
        // step 1: the scenario's pre scripts, then the step's; the plugin; post scripts and
        // verifiers the same way; the verification last
        "exec bash pre_all.sh", "exec bash pre_1.sh", "plugin step swap: run", "cluster c0-15.1: use_install 15.2",
        "exec bash post_all.sh", "exec bash post_1.sh", "exec bash verify_all.sh", "exec bash verify_1.sh",
        "verify c0-15.1",
        // step 2: the scenario's scripts only
        "exec bash pre_all.sh", "plugin step swap: run", "cluster c0-15.1: use_install 15.3",
        "exec bash post_all.sh", "exec bash verify_all.sh", "verify c0-15.1"});
    // Every version is provisioned before the first cluster exists.
    CHECK(w.journal.index("plugin distro fakedb: provision") < w.journal.index("cluster c0-15.1: init"));
    CHECK(w.distro->calls(Callback::provision) == 3);

    // What the plugin gets (plugins/step/README.md).
    REQUIRE(swap.calls(Callback::run) == 2);
    const json::object in = swap.inputs(Callback::run)[0];
    CHECK(in.at("cluster") == "c0-15.1");
    CHECK(in.at("new_cluster") == "c1-15.2");
    CHECK(in.at("from").at("version") == "15.1");
    CHECK(in.at("to").at("version") == "15.2");
    CHECK(in.at("to").at("bindir") == "/fake/15.2/bin");
    CHECK(in.at("step") == json::object{{"index", 1}, {"type", "swap"}});
    CHECK(in.at("options") == json::object{{"level", 3}});  // typed by the validation
    CHECK(in.at("artifact_prefix") == "steps/01-swap/");
    CHECK(in.at("scenario_dir") == json::value(w.scenario_dir.string()));
    CHECK(swap.inputs(Callback::run)[1].at("from").at("version") == "15.2");

    // Scripts after a step see the cluster as the step left it.
    auto pre = script_request(w, "pre_1.sh"), post = script_request(w, "post_1.sh");
    CHECK(pre.env.at("PGORCH_PG_VERSION") == "15.1");
    CHECK(post.env.at("PGORCH_PG_VERSION") == "15.2");
    CHECK(post.env.at("PGORCH_CLUSTER") == "c0-15.1");
    CHECK(post.as == runtime::RunAs::service_user);

    json::object r = report(w);
    CHECK(verdicts(r) == std::vector<std::string>{"passed", "passed"});
    CHECK(r.at("steps").at(0).at("downtime_ms") == 5.0);
}

TEST_CASE("upgrade chain: a failing step ends the chain, the steps after it are skipped and never called", "[engine][upgrade]") {
    EngineWorld w;
    scripts(w, {"post.sh"});
    w.scenario(kChainOf15_1 + R"(post_scripts: [post.sh]
steps:
  - type: first
    db_version: '15.2'
  - type: broken
    db_version: '15.3'
  - type: later
    db_version: '15.4'
)");
    step(w, "first", swap_install());
    step(w, "broken", fails_with(PGORCH_ERR_FAILED, "broken on purpose"));
    FakePlugin& later = step(w, "later", swap_install());

    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    INFO(w.journal.str());
    CHECK(out.code == ExitCode::check_failed);
    CHECK(later.calls(Callback::run) == 0);
    CHECK(w.journal.count("exec bash post.sh") == 1);  // step 1's; the failed step's post scripts never run
    json::object r = report(w);
    CHECK(verdicts(r) == std::vector<std::string>{"passed", "failed", "skipped"});
    CHECK(r.at("steps").at(1).at("error") == "step plugin \"broken\" failed: broken on purpose");
    CHECK(r.at("steps").at(2).at("to_version") == "15.4");
}

TEST_CASE("upgrade chain: a failing pre script fails its step before the plugin runs", "[engine][upgrade]") {
    EngineWorld w;
    scripts(w, {"bad.sh"});
    w.scenario(kChainOf15_1 + R"(steps:
  - type: first
    db_version: '15.2'
    pre_scripts: [bad.sh]
  - type: second
    db_version: '15.3'
)");
    FakePlugin& first = step(w, "first", swap_install());
    FakePlugin& second = step(w, "second", swap_install());
    w.runtime.on_exec = [](const runtime::ExecRequest& r) {
        return test::FakeRuntime::result(r.argv.back().ends_with("bad.sh") ? 3 : 0, "", "no table \"orders\"\n");
    };

    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    CHECK(out.code == ExitCode::check_failed);
    CHECK(first.calls(Callback::run) == 0);
    CHECK(second.calls(Callback::run) == 0);
    json::object r = report(w);
    CHECK(verdicts(r) == std::vector<std::string>{"failed", "skipped"});
    CHECK_THAT(std::string(r.at("steps").at(0).at("error").as_string()),
               Catch::Contains("pre_script \"bad.sh\" failed: script \"bad.sh\" exited with code 3") &&
                   Catch::Contains("no table \"orders\""));
}

TEST_CASE("upgrade chain: the verification after a step fails a step that left the old version running", "[engine][upgrade]") {
    EngineWorld w;
    w.scenario(kTwoSteps);
    step(w, "first", [](plugins::ServiceProvider&, const json::object& in) {
        return FakePlugin::ok(json::object{{"cluster", in.at("cluster")}});  // says done, did nothing
    });
    FakePlugin& second = step(w, "second", swap_install());

    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    CHECK(out.code == ExitCode::check_failed);
    CHECK(second.calls(Callback::run) == 0);
    json::object r = report(w);
    CHECK(verdicts(r) == std::vector<std::string>{"failed", "skipped"});
    CHECK_THAT(std::string(r.at("steps").at(0).at("error").as_string()), Catch::StartsWith("verification failed"));
    CHECK(r.at("steps").at(0).at("differences").at(0) == "the server runs version \"15.1\", expected \"15.2\"");
}

TEST_CASE("upgrade chain: after a step that moved the data, scripts and verification follow the new cluster", "[engine][upgrade]") {
    EngineWorld w;
    scripts(w, {"post.sh"});
    w.scenario(kChainOf15_1 + R"(steps:
  - type: copy
    db_version: '15.2'
    post_scripts: [post.sh]
)");
    step(w, "copy", new_cluster());
    journal_verification(w);

    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    INFO(w.journal.str());
    CHECK(out.code == ExitCode::passed);
    CHECK(w.journal.index("cluster c1-15.2: init") < w.journal.index("cluster c1-15.2: start"));
    CHECK(w.journal.has("cluster c0-15.1: stop fast"));
    CHECK(w.journal.has("verify c1-15.2"));
    CHECK_FALSE(w.journal.has("verify c0-15.1"));
    CHECK(script_request(w, "post.sh").env.at("PGORCH_CLUSTER") == "c1-15.2");
    CHECK(report(w).at("steps").at(0).at("cluster_after") == "c1-15.2");
}

TEST_CASE("upgrade chain: a step naming a cluster that does not exist fails", "[engine][upgrade]") {
    EngineWorld w;
    w.scenario(kTwoSteps);
    step(w, "first", [](plugins::ServiceProvider&, const json::object&) {
        return FakePlugin::ok(json::object{{"cluster", "nowhere"}});
    });
    step(w, "second", swap_install());
    CHECK(engine::run_upgrade(w.ctx).code == ExitCode::check_failed);
    CHECK(report(w).at("steps").at(0).at("error") == "step plugin \"first\" returned cluster \"nowhere\", which does not exist");
}

TEST_CASE("upgrade chain: an interrupt during a step ends the run with 130 and nothing after it runs", "[engine][upgrade][cancel]") {
    EngineWorld w;
    scripts(w, {"post.sh"});
    w.scenario(kChainOf15_1 + R"(post_scripts: [post.sh]
steps:
  - type: first
    db_version: '15.2'
  - type: second
    db_version: '15.3'
)");
    step(w, "first", [&w, swap = swap_install()](plugins::ServiceProvider& host, const json::object& in) {
        w.cancel = true;  // Ctrl-C while the step runs: the run's watcher cancels the runtime
        w.runtime.cancel();
        return swap(host, in);
    });
    FakePlugin& second = step(w, "second", swap_install());

    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    INFO(w.journal.str());
    CHECK(out.code == ExitCode::interrupted);
    CHECK(second.calls(Callback::run) == 0);
    CHECK(verdicts(report(w)) == std::vector<std::string>{"failed", "skipped"});
}

TEST_CASE("upgrade chain: a plugin that reports the interrupt ends the run with 130", "[engine][upgrade][cancel]") {
    EngineWorld w;
    w.scenario(kTwoSteps);
    step(w, "first", fails_with(PGORCH_ERR_CANCELLED, "interrupted"));
    FakePlugin& second = step(w, "second", swap_install());
    CHECK(engine::run_upgrade(w.ctx).code == ExitCode::interrupted);
    CHECK(second.calls(Callback::run) == 0);
}

TEST_CASE("upgrade chain: an interrupt between steps stops before the next one", "[engine][upgrade][cancel]") {
    EngineWorld w;
    w.scenario(kTwoSteps);
    step(w, "first", [&w, swap = swap_install()](plugins::ServiceProvider& host, const json::object& in) {
        w.cancel = true;  // no script runs afterwards: the chain itself must look
        return swap(host, in);
    });
    FakePlugin& second = step(w, "second", swap_install());
    CHECK(engine::run_upgrade(w.ctx).code == ExitCode::interrupted);
    CHECK(second.calls(Callback::run) == 0);
    CHECK(report(w).at("error") == "interrupted");
}
