// pgorch-catversion on a real cluster: a raised catalog version makes the server refuse to
// start with the catalog-version mismatch; setting it back lets it start again.
#include "harness.hpp"
#include "inplace_harness.hpp"

#include "cluster/pg_control.hpp"

#include <catch2/catch.hpp>

using namespace pgtest;

TEST_CASE("pgorch-catversion: a raised catalog version stops the server, the old one starts it",
          "[pg][inplace][catversion]") {
    Harness h("catversion");
    cluster::Install in = h.latest("15");
    cluster::Cluster* c = h.started("main", in);
    REQUIRE(c->sql("postgres", "CREATE TABLE t AS SELECT g FROM generate_series(1, 100) g").ok());
    std::string datadir = c->datadir().string();

    // While the server runs, set is refused (postmaster.pid) and changes nothing.
    auto running = catversion(h, {"set", datadir, "300000000"});
    CHECK(running.exit_code == 1);
    CHECK(running.err.find("postmaster.pid") != std::string::npos);

    REQUIRE(c->stop("fast").ok());
    auto info = catversion(h, {"info", datadir, "--json"});
    INFO(info.out << info.err);
    REQUIRE(info.exit_code == 0);
    auto ident = boost::json::parse(info.out).as_object();
    uint32_t original = static_cast<uint32_t>(ident.at("catalog_version").to_number<int64_t>());
    CHECK(original == in.catalog_version);
    CHECK(ident.at("pg_control_version").to_number<int64_t>() == 1300);
    CHECK(ident.at("state").as_string() == "shut down");
    CHECK(ident.at("crc_ok").as_bool());
    // The identity agrees with pg_controldata.
    runtime::ExecRequest pcd_req;
    pcd_req.argv = {in.bin("pg_controldata").string(), datadir};
    auto pcd = h.rt->exec(pcd_req);
    REQUIRE(pcd.ok());
    CHECK(pcd->out.find(std::string(ident.at("system_identifier").as_string())) != std::string::npos);

    // Not greater: refused without --force.
    auto lower = catversion(h, {"set", datadir, std::to_string(original - 1)});
    CHECK(lower.exit_code == 1);
    CHECK(lower.err.find("not greater") != std::string::npos);

    auto raised = catversion(h, {"set", datadir, std::to_string(original + 10)});
    INFO(raised.out << raised.err);
    REQUIRE(raised.exit_code == 0);
    CHECK(fs::exists(c->datadir() / "global" / "pg_control.bak"));
    // pg_controldata (it checks the CRC itself) reads the new number without a warning.
    pcd = h.rt->exec(pcd_req);
    REQUIRE(pcd.ok());
    CHECK(pcd->out.find(std::to_string(original + 10)) != std::string::npos);
    CHECK(pcd->err.find("WARNING") == std::string::npos);

    Status st = c->start(30);
    REQUIRE_FALSE(st.ok());
    std::string log = c->log_tail(50) + st.error().str();
    INFO(log);
    CHECK(log.find("database files are incompatible with server") != std::string::npos);
    CHECK(log.find("CATALOG_VERSION_NO " + std::to_string(original + 10)) != std::string::npos);

    auto back = catversion(h, {"set", datadir, std::to_string(original), "--force"});
    INFO(back.out << back.err);
    REQUIRE(back.exit_code == 0);
    st = c->start(60);
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    CHECK(scalar(*c, "SELECT count(*) FROM t") == "100");
}
