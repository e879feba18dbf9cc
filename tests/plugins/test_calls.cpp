// Calling plugins through the services bridge: results, failures, exceptions, every service.
#include "plugins/describe.hpp"
#include "plugins/registry.hpp"
#include "support/fake_services.hpp"

#include <catch2/catch.hpp>

using namespace pgorch::plugins;
namespace json = boost::json;

namespace {

fs::path fixture(const std::string& name, const std::string& kind = "step") {
    return fs::path(PGORCH_FIXTURE_PLUGIN_DIR) / ("pgorch-" + kind + "-" + name + ".so");
}

fs::path noop_file() { return fs::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-step-noop.so"; }

}  // namespace

TEST_CASE("noop echoes its input, logs its message and reads run_dir") {
    Registry r;
    REQUIRE(r.load_file(noop_file()));
    Plugin* noop = r.find(Kind::step, "noop");
    REQUIRE(noop);
    pgorch::test::FakeServices host;
    json::object input{{"options", json::object{{"message", "bonjour"}}}, {"x", 1}};
    CallOutcome out = noop->call(Callback::run, host, input);
    REQUIRE(out.ok());
    CHECK(out.error.empty());
    CHECK(out.result == json::value(json::object{{"echo", input}, {"message", "bonjour"}}));
    REQUIRE(host.logs.size() == 2);
    CHECK(host.logs[0].plugin == "noop");
    CHECK(host.logs[0].level == PGORCH_LOG_INFO);
    CHECK(host.logs[0].message == "bonjour");
    CHECK(host.logs[1].message == "run_dir is \"/tmp/pgorch-test-run\"");

    out = noop->call(Callback::run, host, {});
    REQUIRE(out.ok());
    CHECK(out.result.at("message") == "hello");
}

TEST_CASE("noop fails with a clear message when fail is true") {
    Registry r;
    REQUIRE(r.load_file(noop_file()));
    pgorch::test::FakeServices host;
    CallOutcome out = r.find(Kind::step, "noop")->call(Callback::run, host,
                                                        json::object{{"options", json::object{{"fail", true}}}});
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK(out.error == "noop failed on purpose because option \"fail\" is true");
    CHECK(out.result.is_null());
}

TEST_CASE("a callback the plugin lacks is unavailable") {
    Registry r;
    REQUIRE(r.load_file(noop_file()));
    pgorch::test::FakeServices host;
    CallOutcome out = r.find(Kind::step, "noop")->call(Callback::provision, host, {});
    CHECK(out.status == PGORCH_ERR_UNAVAILABLE);
    CHECK(out.error == "plugin \"noop\" has no provision callback");
}

TEST_CASE("a raw callback that throws is reported and the host lives on") {
    Registry r;
    REQUIRE(r.load_file(fixture("fx_thrower")));
    REQUIRE(r.load_file(noop_file()));
    pgorch::test::FakeServices host;
    Plugin* thrower = r.find(Kind::step, "fx_thrower");
    REQUIRE(thrower);
    CallOutcome out = thrower->call(Callback::run, host, {});
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK(out.error == "plugin \"fx_thrower\" threw an exception from run: boom");
    out = thrower->call(Callback::validate, host, {});
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK(out.error == "plugin \"fx_thrower\" threw an exception from validate");
    CHECK(r.find(Kind::step, "noop")->call(Callback::run, host, {}).ok());
}

TEST_CASE("failures reported by a plugin keep their status and message") {
    Registry r;
    REQUIRE(r.load_file(fixture("fx_fails", "distro")));
    Plugin* p = r.find(Kind::distro, "fx_fails");
    REQUIRE(p);
    pgorch::test::FakeServices host;

    CallOutcome out = p->call(Callback::provision, host, json::object{{"version", "99.1"}});
    CHECK(out.status == PGORCH_ERR_ENVIRONMENT);
    CHECK(out.error == "no mirror answers for version \"99.1\"");

    out = p->call(Callback::list_versions, host, {});
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK(out.error == "plugin \"fx_fails\" failed in list_versions with status 1 and no message");

    out = p->call(Callback::validate, host, {});
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK_THAT(out.error, Catch::StartsWith("plugin \"fx_fails\" returned invalid JSON from validate: "));
}

TEST_CASE("every service reaches the provider and answers the plugin") {
    Registry r;
    REQUIRE(r.load_file(fixture("fx_fails", "distro")));
    pgorch::test::FakeServices host;
    host.is_cancelled = true;
    json::object input{{"step", 2}};
    CallOutcome out = r.find(Kind::distro, "fx_fails")->call(Callback::run, host, input);
    REQUIRE(out.ok());
    const json::object& o = out.result.as_object();
    CHECK(o.at("input") == input);
    CHECK(o.at("exec_status") == PGORCH_OK);
    CHECK(o.at("exec").at("stdout") == "ran");
    REQUIRE(host.exec_requests.size() == 1);
    CHECK(host.exec_requests[0].at("argv") == json::array{"true"});
    CHECK(o.at("sql_status") == PGORCH_ERR_INVALID);
    CHECK(o.at("sql").at("error") == "sql request is not a JSON object");
    CHECK(o.at("provision_status") == PGORCH_ERR_INVALID);
    CHECK_THAT(std::string(o.at("provision").at("error").as_string()),
               Catch::StartsWith("provision request is not valid JSON: "));
    CHECK(o.at("cluster_status") == PGORCH_ERR_UNAVAILABLE);
    CHECK(o.at("cluster").at("error") == "cluster is not available in this host");
    CHECK(o.at("artifact_status") == PGORCH_OK);
    CHECK(host.artifacts.at("tour.txt") == "abc");
    CHECK(o.at("cancelled") == 1);
    CHECK(o.at("run_dir") == "/tmp/pgorch-test-run");
    CHECK(o.at("unknown_setting").is_null());
    REQUIRE(host.logs.size() == 1);
    CHECK(host.logs[0].plugin == "fx_fails");
    CHECK(host.logs[0].message == "services tour");
    CHECK(host.progress_messages == std::vector<std::string>{"0.5 half way"});
}

TEST_CASE("describe and to_json show a plugin and its options") {
    Registry r;
    REQUIRE(r.load_file(noop_file()));
    const Plugin& noop = *r.find(Kind::step, "noop");
    const std::string text = describe(noop);
    CHECK_THAT(text, Catch::StartsWith("noop (step plugin, version 1.0.0)\n"));
    CHECK_THAT(text, Catch::Contains("  file:         " + fs::canonical(noop_file()).string() + "\n"));
    CHECK_THAT(text, Catch::Contains("  ABI:          1.2\n"));
    CHECK_THAT(text, Catch::Contains("  callbacks:    run\n"));
    CHECK_THAT(text, Catch::Contains("  KEY      TYPE     REQUIRED  DEFAULT  DESCRIPTION\n"));
    CHECK_THAT(text, Catch::Contains("  message  string   no        hello    Text the step logs and returns.\n"));
    CHECK_THAT(text, Catch::Contains("  fail     boolean  no        false    Makes the step fail"));

    json::object j = to_json(noop);
    CHECK(j.at("name") == "noop");
    CHECK(j.at("kind") == "step");
    CHECK(j.at("callbacks") == json::array{"run"});
    REQUIRE(j.at("options").as_array().size() == 2);
    const json::object& message = j.at("options").as_array()[0].as_object();
    CHECK(message.at("key") == "message");
    CHECK(message.at("type") == "string");
    CHECK(message.at("required") == false);
    CHECK(message.at("default") == "hello");
}
