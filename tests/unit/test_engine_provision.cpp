// Provisioning (engine/provision.hpp) on a fake distro: one call per version, side by side for
// different versions, re-entrant calls, failures; and the upgrade chain's versions, all resolved
// and provisioned before anything runs.
#include "support/engine_world.hpp"
#include "support/meeting.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

using namespace pgorch;
using plugins::Callback;
using plugins::Kind;
using test::EngineWorld;
using test::FakePlugin;
using test::kChainOf15_1;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Runs fn on a thread of its own; false when it has not returned within `limit` (a deadlock:
// the thread is left behind with what it holds, so fn must own what it uses).
template <class Fn>
bool finishes(Fn fn, std::chrono::seconds limit = 20s) {
    auto done = std::make_shared<std::promise<void>>();
    auto returned = done->get_future();
    std::thread([fn = std::move(fn), done]() mutable {
        fn();
        done->set_value();
    }).detach();
    return returned.wait_for(limit) == std::future_status::ready;
}

json::value provision_service(plugins::ServiceProvider& host, const std::string& db_type, const std::string& version,
                              int32_t& status) {
    auto r = host.provision("test", {{"db_type", db_type}, {"version", version}});
    status = r.status;
    return r.response;
}

}  // namespace

TEST_CASE("provisioner: different versions provision side by side, not one after the other", "[engine][provision]") {
    auto w = std::make_shared<EngineWorld>();
    auto overlap = std::make_shared<test::Meeting>();
    w->distro->callbacks[Callback::provision] = [overlap](plugins::ServiceProvider&, const json::object& in) {
        overlap->meet(2, 10s);  // a provisioner that serialises them keeps the second out for 10 s
        return FakePlugin::ok(EngineWorld::layout(std::string(in.at("version").as_string())));
    };
    std::vector<std::string> got(2);
    auto t0 = std::chrono::steady_clock::now();
    bool done = finishes([w, &got] {
        std::thread a([&] { got[0] = w->provisioner->provision("fakedb", "15.1")->version; });
        std::thread b([&] { got[1] = w->provisioner->provision("fakedb", "15.2")->version; });
        a.join();
        b.join();
    }, 30s);
    REQUIRE(done);
    CHECK(overlap->peak == 2);
    CHECK(std::chrono::steady_clock::now() - t0 < 9s);
    CHECK(got == std::vector<std::string>{"15.1", "15.2"});
}

TEST_CASE("provisioner: a version is provisioned once, however many targets ask for it", "[engine][provision]") {
    EngineWorld w;
    w.distro->callbacks[Callback::provision] = [](plugins::ServiceProvider&, const json::object& in) {
        std::this_thread::sleep_for(100ms);  // the other callers arrive meanwhile and wait
        return FakePlugin::ok(EngineWorld::layout(std::string(in.at("version").as_string())));
    };
    std::vector<std::thread> targets;
    std::vector<std::string> got(4);
    for (int i = 0; i < 4; ++i)
        targets.emplace_back([&, i] { got[i] = w.provisioner->provision("fakedb", "15.1")->bindir.string(); });
    for (auto& t : targets) t.join();
    CHECK(w.distro->calls(Callback::provision) == 1);
    CHECK(got == std::vector<std::string>(4, "/fake/15.1/bin"));
    // Another edition or method is another installation.
    REQUIRE(w.provisioner->provision("fakedb", "15.1", "se"));
    CHECK(w.distro->calls(Callback::provision) == 2);
}

TEST_CASE("provisioner: a distro may provision another one from inside its own callback", "[engine][provision]") {
    auto w = std::make_shared<EngineWorld>();
    FakePlugin& vendor = w->add(Kind::distro, "vendor");
    vendor.callbacks[Callback::provision] = [](plugins::ServiceProvider& host, const json::object& in) {
        int32_t status = 0;
        json::value base = provision_service(host, "fakedb", std::string(in.at("version").as_string()), status);
        if (status != PGORCH_OK) return FakePlugin::fail(status, json::serialize(base));
        base.as_object()["distro"] = "vendor";
        base.as_object()["method"] = "on fakedb";
        return FakePlugin::ok(base);
    };
    std::optional<Expected<cluster::Install>> got;
    REQUIRE(finishes([w, &got] { got = w->provisioner->provision("vendor", "15.1"); }));
    REQUIRE(*got);
    CHECK((*got)->distro == "vendor");
    CHECK((*got)->bindir == "/fake/15.1/bin");
    CHECK(w->distro->calls(Callback::provision) == 1);
}

TEST_CASE("provisioner: a distro asking for the very version it provides gets an error, not a deadlock", "[engine][provision]") {
    auto w = std::make_shared<EngineWorld>();
    w->distro->callbacks[Callback::provision] = [](plugins::ServiceProvider& host, const json::object& in) {
        int32_t status = 0;
        json::value again = provision_service(host, "fakedb", std::string(in.at("version").as_string()), status);
        return FakePlugin::fail(status, std::string(again.at("error").as_string()));
    };
    std::optional<Expected<cluster::Install>> got;
    REQUIRE(finishes([w, &got] { got = w->provisioner->provision("fakedb", "15.1"); }));
    REQUIRE_FALSE(*got);
    CHECK((*got).error().message ==
          "distro \"fakedb\": distro \"fakedb\": its provision callback asked for 15.1, the version it is providing "
          "(a provision service call on its own key)");
    // The slot is free again: a later call tries anew.
    w->distro->callbacks[Callback::provision] = [](plugins::ServiceProvider&, const json::object&) {
        return FakePlugin::ok(EngineWorld::layout("15.1"));
    };
    CHECK(w->provisioner->provision("fakedb", "15.1"));
}

TEST_CASE("provisioner: a failure is not kept, an unknown distro and a bad layout are named", "[engine][provision]") {
    EngineWorld w;
    int attempts = 0;
    w.distro->callbacks[Callback::provision] = [&](plugins::ServiceProvider&, const json::object& in) {
        if (++attempts == 1) return FakePlugin::fail(PGORCH_ERR_ENVIRONMENT, "no mirror answers");
        if (in.at("version") == "15.9") return FakePlugin::ok(json::object{{"version", "15.9"}});
        return FakePlugin::ok(EngineWorld::layout(std::string(in.at("version").as_string())));
    };
    auto first = w.provisioner->provision("fakedb", "15.1");
    REQUIRE_FALSE(first);
    CHECK(first.error().code == ExitCode::environment);
    CHECK(first.error().message == "distro \"fakedb\": no mirror answers");
    CHECK(w.provisioner->provision("fakedb", "15.1"));
    CHECK(attempts == 2);

    auto bad = w.provisioner->provision("fakedb", "15.9");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "distro \"fakedb\" returned a bad layout: install layout has no \"bindir\"");
    auto none = w.provisioner->provision("nodistro", "15.1");
    REQUIRE_FALSE(none);
    CHECK(none.error().code == ExitCode::invalid_input);
    CHECK(none.error().message == "no distro plugin \"nodistro\"");
}

TEST_CASE("upgrade chain: selectors resolve once, before anything runs, and each version is provisioned once", "[engine][provision]") {
    EngineWorld w;
    w.distro->callbacks[Callback::list_versions] = [](plugins::ServiceProvider&, const json::object&) {
        json::array offers;
        for (const char* v : {"15.1", "15.3", "16.2"}) offers.push_back(json::object{{"version", v}, {"method", "fake"}, {"toolset", "full"}});
        return FakePlugin::ok(json::object{{"offers", offers}});
    };
    FakePlugin& swap = w.add(Kind::step, "swap");
    swap.callbacks[Callback::run] = [](plugins::ServiceProvider& host, const json::object& in) {
        host.cluster("swap", {{"op", "use_install"}, {"cluster", in.at("cluster")}, {"install", in.at("to")}});
        return FakePlugin::ok(json::object{{"cluster", in.at("cluster")}});
    };
    w.scenario(kChainOf15_1 + R"(steps:
  - type: swap
    db_version: '15'
  - type: swap
    db_version: '15'
)");
    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    INFO(w.journal.str());
    CHECK(out.code == ExitCode::passed);
    std::vector<std::string> provisioned;
    for (const auto& in : w.distro->inputs(Callback::provision)) provisioned.emplace_back(in.at("version").as_string());
    CHECK(provisioned == std::vector<std::string>{"15.1", "15.3"});
    CHECK(w.distro->calls(Callback::list_versions) == 1);
    CHECK(w.journal.index("plugin distro fakedb: list_versions") < w.journal.index("plugin distro fakedb: provision"));
    CHECK(w.journal.starting("plugin distro").size() == 3);  // nothing asked the distro again later
    REQUIRE(swap.calls(Callback::run) == 2);
    CHECK(swap.inputs(Callback::run)[0].at("to").at("version") == "15.3");
    CHECK(swap.inputs(Callback::run)[1].at("to").at("version") == "15.3");
}

TEST_CASE("upgrade chain: a version that cannot be provisioned ends the run before any cluster exists", "[engine][provision]") {
    EngineWorld w;
    w.distro->callbacks[Callback::provision] = [](plugins::ServiceProvider&, const json::object& in) {
        if (in.at("version") == "15.2") return FakePlugin::fail(PGORCH_ERR_ENVIRONMENT, "no mirror serves 15.2");
        return FakePlugin::ok(EngineWorld::layout(std::string(in.at("version").as_string())));
    };
    FakePlugin& swap = w.add(Kind::step, "swap");
    swap.callbacks[Callback::run] = [](plugins::ServiceProvider&, const json::object&) { return FakePlugin::ok(); };
    w.scenario(kChainOf15_1 + R"(steps:
  - type: swap
    db_version: '15.2'
)");
    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    CHECK(out.code == ExitCode::environment);
    CHECK(swap.calls(Callback::run) == 0);
    CHECK(w.journal.starting("cluster").empty());
    CHECK(w.runtime.requests().empty());
}

TEST_CASE("upgrade chain: a selector no method offers is refused before anything is provisioned", "[engine][provision]") {
    EngineWorld w;
    w.distro->callbacks[Callback::list_versions] = [](plugins::ServiceProvider&, const json::object&) {
        return FakePlugin::ok(json::object{{"offers", json::array{json::object{{"version", "15.1"}, {"method", "fake"}}}}});
    };
    FakePlugin& swap = w.add(Kind::step, "swap");
    swap.callbacks[Callback::run] = [](plugins::ServiceProvider&, const json::object&) { return FakePlugin::ok(); };
    w.scenario(kChainOf15_1 + R"(steps:
  - type: swap
    db_version: '17'
)");
    engine::RunOutcome out = engine::run_upgrade(w.ctx);
    CHECK(out.code == ExitCode::environment);
    CHECK(w.distro->calls(Callback::provision) == 0);
    CHECK(swap.calls(Callback::run) == 0);
}
