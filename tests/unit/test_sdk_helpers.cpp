// The SDK's shared plugin helpers (pgorch/util.hpp, options.hpp, exec.hpp, cluster.hpp): the
// text helpers, options by type, and the exec and cluster helpers through the real services
// bridge onto a scripted provider.
#include "plugins/bridge.hpp"
#include "support/fake_services.hpp"

#include <pgorch/cluster.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/options.hpp>
#include <pgorch/util.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgorch;
namespace json = boost::json;
using Words = std::vector<std::string>;

namespace {

// Answers exec with a scripted result and records each request.
// Exec answers exit_code, out and err; the cluster service a running cluster of the id asked.
struct ScriptedExec : test::FakeServices {
    int exit_code = 0;
    std::string out, err;
    ScriptedExec() {
        on_exec = [this](const json::object&) { return exec_answer(exit_code, out, err); };
        on_cluster = [](const json::object& request) {
            return plugins::ServiceResult::ok(json::object{{"id", request.at("cluster")}, {"datadir", "/d"}, {"port", 5433},
                                                           {"running", true}, {"server_log", "/l/server.log"},
                                                           {"install", json::object{{"bindir", "/b"}}}});
        };
    }
};

// A Context bound to a provider through the host's services table.
struct Bound {
    explicit Bound(plugins::ServiceProvider& p) : call(p, "test"), ctx(&plugins::host_services(), &call) {}
    pgorch_call call;
    sdk::Context ctx;
};

}  // namespace

TEST_CASE("sdk text helpers: lines, tails, joins", "[sdk]") {
    CHECK(sdk::split_lines("a\r\nb\n\nc") == Words{"a", "b", "", "c"});
    CHECK(sdk::split_lines("a\n").size() == 1);
    CHECK(sdk::join({"a", "b", "c"}, ", ") == "a, b, c");
    CHECK(sdk::join({}, ", ").empty());
    CHECK(sdk::last_lines("1\n2\n3\n", 2) == "2\n3\n");
    CHECK(sdk::last_lines("1\n2\n3", 2) == "2\n3");
    CHECK(sdk::last_lines("1\n2", 5) == "1\n2");
    CHECK(sdk::tail_lines("1\n2\n3\n\n", 2) == "3");
    CHECK(sdk::tail_lines("x\ny\nz\n", 2) == "y\nz");
    CHECK(sdk::indented_tail("x\ny\nz\n", 2) == "\n  y\n  z");
}

TEST_CASE("sdk split_words reports a bad quote with its position", "[sdk]") {
    Words w;
    sdk::WordsError e;
    REQUIRE(sdk::split_words(R"(--a "b c" 'd')", w, e));
    CHECK(w == Words{"--a", "b c", "d"});
    CHECK_FALSE(sdk::split_words("--a 'b", w, e));
    CHECK(e.message == "unterminated single quote at character 5");
    CHECK_FALSE(e.hint.empty());
}

TEST_CASE("sdk parse_bool has one set of words, any case", "[sdk]") {
    for (const char* t : {"true", "yes", "on", "1", "TRUE", "On"}) CHECK(sdk::parse_bool(t) == true);
    for (const char* f : {"false", "no", "off", "0", "No"}) CHECK(sdk::parse_bool(f) == false);
    for (const char* bad : {"", "y", "2", "truth"}) CHECK_FALSE(sdk::parse_bool(bad).has_value());
}

TEST_CASE("sdk option readers take the typed value or its text", "[sdk][options]") {
    json::object o{{"n", 2.5}, {"ns", "2.5"}, {"i", 7}, {"is", "7"}, {"b", true}, {"bs", "yes"}, {"l", json::array{"a b", "c"}},
                   {"ls", "a, b c"}, {"w", "--x 'y z'"}, {"bad", "seven"}, {"nul", nullptr}};
    CHECK(sdk::option_number(o, "n") == 2.5);
    CHECK(sdk::option_number(o, "ns") == 2.5);
    CHECK_FALSE(sdk::option_number(o, "missing").has_value());
    CHECK_FALSE(sdk::option_number(o, "nul").has_value());
    CHECK(sdk::option_integer(o, "i") == 7);
    CHECK(sdk::option_integer(o, "is") == 7);
    CHECK_THROWS_WITH(sdk::option_integer(o, "ns"), "option \"ns\" must be an integer, not \"2.5\"");
    CHECK_THROWS_WITH(sdk::option_integer_in(o, "i", 1, 1, 5), "option \"i\" must be an integer from 1 to 5, not 7");
    CHECK(sdk::option_integer_in(o, "missing", 3, 1, 5) == 3);
    CHECK(sdk::option_flag(o, "b"));
    CHECK(sdk::option_flag(o, "bs"));
    CHECK_FALSE(sdk::option_flag(o, "missing"));
    CHECK_THROWS_AS(sdk::option_flag(o, "bad"), sdk::Failure);
    CHECK(sdk::option_list(o, "l") == Words{"a b", "c"});
    CHECK(sdk::option_list(o, "ls") == Words{"a", "b", "c"});
    CHECK(sdk::option_list(o, "missing", "x,y") == Words{"x", "y"});
    CHECK(sdk::option_words(o, "w") == Words{"--x", "y z"});
    CHECK(sdk::option_text(o, "i") == "7");
    CHECK(sdk::option_text(o, "missing", "d") == "d");
    try {
        sdk::option_number(o, "bad");
        FAIL("no throw");
    } catch (const sdk::Failure& f) {
        CHECK(f.code() == PGORCH_ERR_INVALID);
        CHECK(std::string(f.what()) == "option \"bad\" must be a number, not \"seven\"");
    }
}

TEST_CASE("sdk run and must build the exec request; must names what failed", "[sdk][exec]") {
    ScriptedExec host;
    Bound b(host);
    sdk::ExecOptions how = sdk::invoker(30, "/w");
    how.stdin_data = "in";
    auto r = sdk::run(b.ctx, {"echo", "x"}, how);
    CHECK(r.ok());
    const json::object& q = host.exec_requests.back();
    CHECK(q.at("argv").as_array() == json::array{"echo", "x"});
    CHECK(q.at("as").as_string() == "invoker");
    CHECK(q.at("cwd").as_string() == "/w");
    CHECK(q.at("timeout_s").as_double() == 30);
    CHECK(q.at("stdin").as_string() == "in");

    sdk::run(b.ctx, {"true"});
    CHECK(host.exec_requests.back().at("as").as_string() == "postgres");
    CHECK_FALSE(host.exec_requests.back().contains("cwd"));

    host.exit_code = 2;
    host.err = "one\ntwo\nthree\n";
    how.tail = 2;
    try {
        sdk::must(b.ctx, {"false"}, "the test command", how, PGORCH_ERR_ENVIRONMENT);
        FAIL("no throw");
    } catch (const sdk::Failure& f) {
        CHECK(f.code() == PGORCH_ERR_ENVIRONMENT);
        CHECK(std::string(f.what()) == "the test command failed (exit 2):\n  two\n  three");
    }
    CHECK_FALSE(sdk::exists(b.ctx, "/nope"));
    CHECK_FALSE(sdk::read_file(b.ctx, "/nope").has_value());
    CHECK_THROWS_AS(sdk::make_dirs(b.ctx, "/nope"), sdk::Failure);
    CHECK_NOTHROW(sdk::remove_all(b.ctx, "/nope"));
}

TEST_CASE("sdk file helpers write with tee, the content on stdin", "[sdk][exec]") {
    ScriptedExec host;
    Bound b(host);
    sdk::write_file(b.ctx, "/f", "text", true, sdk::invoker());
    const json::object& q = host.exec_requests.back();
    CHECK(q.at("argv").as_array() == json::array{"tee", "-a", "/f"});
    CHECK(q.at("stdin").as_string() == "text");
    host.out = "curl\n";
    CHECK(sdk::missing_commands(b.ctx, {"curl", "tar"}) == Words{"curl"});
    host.out = "123\n";
    CHECK(sdk::file_size(b.ctx, "/f") == 123);
}

TEST_CASE("sdk cluster ids and cluster_op", "[sdk][cluster]") {
    CHECK(sdk::valid_cluster_id("t1-15.20"));
    CHECK(sdk::valid_cluster_id("standby_1"));
    for (const char* bad : {"", ".", "..", "a/b", "a b", "é"}) CHECK_FALSE(sdk::valid_cluster_id(bad));
    CHECK_FALSE(sdk::valid_cluster_id(std::string(65, 'a')));
    ScriptedExec host;
    Bound b(host);
    sdk::ClusterInfo c = sdk::cluster_op(b.ctx, "start", "c1", {{"timeout_s", 5}});
    CHECK(host.cluster_requests.back().at("op").as_string() == "start");
    CHECK(host.cluster_requests.back().at("timeout_s").to_number<double>() == 5);  // typed: ClusterRequest::timeout_s
    CHECK(c.id == "c1");
    CHECK(c.port == 5433);
    CHECK(c.running);
    CHECK(c.bindir == "/b");
    CHECK(c.server_log == "/l/server.log");
}
