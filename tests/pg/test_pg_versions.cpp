// Selectors against this machine's real methods, and the proof behind the pg_controldata rule of
// the tools rule (engine/tools.hpp): which control-file readers read which clusters cleanly.
#include "harness.hpp"

#include "cluster/pg_control.hpp"
#include "engine/tools.hpp"
#include "engine/versions.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace pgtest;

namespace {

// The newest version of `major` among the listing's offers (full toolsets only when `full`).
std::string newest(const sdk::VersionListing& l, const std::string& major, bool full) {
    std::string best;
    for (const auto& o : l.offers)
        if (sdk::major_of(o.version) == major && (!full || o.full) &&
            (best.empty() || sdk::compare_versions(o.version, best) > 0))
            best = o.version;
    return best;
}

// The number pg_controldata prints as "Catalog version number:".
// The number pg_controldata prints after `label` ("Catalog version number:"), "" when absent.
std::string number_after(const std::string& out, const std::string& label) {
    auto p = out.find(label);
    if (p == std::string::npos) return {};
    auto b = out.find_first_of("0123456789", p);
    return b == std::string::npos ? std::string() : out.substr(b, out.find('\n', b) - b);
}

engine::VersionSlot resolved(Harness& h, const std::string& selector, bool full) {
    engine::VersionSlot s;
    s.role = "the test";
    s.db_type = "pgdg";
    s.written = selector;
    if (full) s.need.own = {"pg_upgrade"};
    Status st = engine::Resolver(*h.provisioner).resolve(s);
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    return s;
}

}  // namespace

TEST_CASE("selectors resolve to the newest version the methods list here", "[pg][versions]") {
    Harness h("versions");
    for (const std::string major : {"15", "16", "17"}) {
        auto l = h.provisioner->listing("pgdg", major);
        INFO((l ? std::string() : l.error().str()));
        REQUIRE(l.ok());
        INFO("major " << major);
        // Any toolset: what a perf target or a minor step takes.
        std::string any = newest(*l, major, false);
        REQUIRE(!any.empty());  // the npm server builds cover every major from 10 to 18
        engine::VersionSlot s = resolved(h, major, false);
        CHECK(s.version == any);
        CHECK(sdk::major_of(s.version) == major);
        CHECK(!s.method.empty());
        // A full toolset: what pg_upgrade's new side takes. 16 has none on Debian 12's mirrors.
        std::string full = newest(*l, major, true);
        if (major == "16") {
            CHECK(full.empty());
            engine::VersionSlot f;
            f.role = "step 1 (pg_upgrade)";
            f.db_type = "pgdg";
            f.written = "16";
            f.need.add(sdk::ToolNeeds{{"pg_upgrade"}, {}}, "step 1 (pg_upgrade), new side");
            Status st = engine::Resolver(*h.provisioner).resolve(f);
            REQUIRE_FALSE(st.ok());
            CHECK(st.error().message.find("every 16.x is a server-only build") != std::string::npos);
            CHECK(st.error().code == ExitCode::environment);
        } else {
            REQUIRE(!full.empty());
            CHECK(resolved(h, major, true).version == full);
        }
    }
}

// pg_upgrade's old side needs pg_controldata, which the npm server builds lack. pgorch lends it
// from a full installation of the same pg_control version; this proves the rule on real
// clusters: the lender reads every 13-16 cluster cleanly (no CRC warning, the catalog version
// pgorch reads itself), and a 17 cluster is exactly what it must not read.
TEST_CASE("pg_controldata of Debian's 15 reads 13-16 clusters cleanly, and 17's has another pg_control version", "[pg][versions][tools]") {
    Harness h("controldata");
    cluster::Install lender = h.latest("15");
    REQUIRE(lender.has("pg_controldata"));
    for (const std::string major : {"13", "14", "16", "17"}) {
        INFO("server major " << major);
        auto l = h.provisioner->listing("pgdg", major);
        REQUIRE(l.ok());
        std::string version;
        for (const auto& o : l->offers)
            if (o.method == "binaries" && (version.empty() || sdk::compare_versions(o.version, version) > 0)) version = o.version;
        REQUIRE(!version.empty());
        cluster::Install server = h.install(version);
        CHECK_FALSE(server.has("pg_controldata"));  // why it has to be borrowed
        cluster::Cluster* c = h.started("c" + major, server);
        REQUIRE(c->stop("fast").ok());
        auto own = cluster::read_pg_control(c->datadir());
        REQUIRE(own.ok());
        runtime::ExecRequest rq;
        rq.argv = {lender.bin("pg_controldata").string(), c->datadir().string()};
        auto r = h.rt->exec(rq);
        REQUIRE(r.ok());
        const std::string out = r->out + r->err;
        const bool sound = engine::control_version(major) == engine::control_version("15");
        if (sound) {
            INFO(out);
            CHECK(r->ok());
            CHECK(out.find("WARNING") == std::string::npos);
            CHECK(number_after(out, "Catalog version number:") == std::to_string(own->catalog_version()));
        } else {
            // Another pg_control version: the reader may print it without a warning, but the
            // fields it decodes are laid out for its own version, so the rule refuses the pair.
            INFO(out);
            CHECK(number_after(out, "pg_control version number:") == std::to_string(engine::control_version(major)));
            CHECK(engine::control_version(major) != engine::control_version("15"));
        }
    }
}
