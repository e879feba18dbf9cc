// The services bridge without any shared object: in-process C callbacks through invoke().
#include "plugins/bridge.hpp"

#include "support/fake_services.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace pgorch::plugins;
namespace json = boost::json;

namespace {

// Reports two results (the last wins) and echoes the input text into the log.
int32_t twice(const pgorch_host_services* host, pgorch_call* call, const char* input) {
    host->log(call, PGORCH_LOG_WARN, input);
    host->set_result(call, "{\"first\":1}");
    host->set_result(call, "{\"second\":2}");
    return PGORCH_OK;
}

// Fails with a message but also a partial result.
int32_t fails(const pgorch_host_services* host, pgorch_call* call, const char*) {
    host->set_result(call, "{\"partial\":true}");
    host->set_error(call, "disk \"/data\" is full");
    return PGORCH_ERR_ENVIRONMENT;
}

// Keeps two service responses and reports whether the first survived the second call.
int32_t responses(const pgorch_host_services* host, pgorch_call* call, const char*) {
    const char* first = nullptr;
    const char* second = nullptr;
    int32_t rc1 = host->exec(call, "{\"argv\":[\"a\"]}", &first);
    std::string copy = first;
    int32_t rc2 = host->sql(call, nullptr, &second);
    std::string out = "{\"rc1\":" + std::to_string(rc1) + ",\"rc2\":" + std::to_string(rc2) + ",\"first\":" + copy +
                      ",\"second\":" + second + "}";
    host->set_result(call, out.c_str());
    return PGORCH_OK;
}

// Throws a non-standard exception through the C boundary.
int32_t throws(const pgorch_host_services*, pgorch_call*, const char*) { throw "raw"; }

}  // namespace

TEST_CASE("bridge: the services table declares its size and ABI") {
    const pgorch_host_services& s = host_services();
    CHECK(s.struct_size == sizeof(pgorch_host_services));
    CHECK(s.abi_major == PGORCH_ABI_MAJOR);
    CHECK(s.abi_minor == PGORCH_ABI_MINOR);
    CHECK(s.setting != nullptr);
}

TEST_CASE("bridge: the last set_result wins and the input arrives as JSON text") {
    pgorch::test::FakeServices host;
    CallOutcome out = invoke(twice, "t", "run", host, json::object{{"k", "v"}});
    REQUIRE(out.ok());
    CHECK(out.result == json::value(json::object{{"second", 2}}));
    REQUIRE(host.logs.size() == 1);
    CHECK(host.logs[0].plugin == "t");
    CHECK(host.logs[0].level == PGORCH_LOG_WARN);
    CHECK(json::parse(host.logs[0].message) == json::value(json::object{{"k", "v"}}));
}

TEST_CASE("bridge: a failure keeps its status, message and partial result") {
    pgorch::test::FakeServices host;
    CallOutcome out = invoke(fails, "t", "provision", host, {});
    CHECK(out.status == PGORCH_ERR_ENVIRONMENT);
    CHECK(out.error == "disk \"/data\" is full");
    CHECK(out.result.at("partial") == true);
}

TEST_CASE("bridge: service responses are JSON and a missing request is refused") {
    pgorch::test::FakeServices host;
    CallOutcome out = invoke(responses, "t", "run", host, {});
    REQUIRE(out.ok());
    CHECK(out.result.at("rc1") == PGORCH_OK);
    CHECK(out.result.at("first").at("exit_code") == 0);
    CHECK(out.result.at("rc2") == PGORCH_ERR_INVALID);
    CHECK(out.result.at("second").at("error") == "sql request is missing");
}

TEST_CASE("bridge: a throwing callback and a missing callback never escape") {
    pgorch::test::FakeServices host;
    CallOutcome out = invoke(throws, "raw_plugin", "run", host, {});
    CHECK(out.status == PGORCH_ERR_FAILED);
    CHECK(out.error == "plugin \"raw_plugin\" threw an exception from run");
    out = invoke(nullptr, "p", "list_versions", host, {});
    CHECK(out.status == PGORCH_ERR_UNAVAILABLE);
    CHECK(out.error == "plugin \"p\" has no list_versions callback");
}

TEST_CASE("bridge: trampolines tolerate NULL handles") {
    const pgorch_host_services& s = host_services();
    const char* response = "untouched";
    CHECK(s.exec(nullptr, "{}", &response) == PGORCH_ERR_INVALID);
    CHECK(response == nullptr);
    CHECK(s.setting(nullptr, "run_dir") == nullptr);
    CHECK(s.cancelled(nullptr) == 0);
    CHECK(s.write_artifact(nullptr, "x", "a", 1) == PGORCH_ERR_INVALID);
    s.set_result(nullptr, "{}");
    s.log(nullptr, PGORCH_LOG_INFO, "ignored");
}
