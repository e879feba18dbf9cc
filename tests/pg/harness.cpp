#include "harness.hpp"

#include "engine/versions.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <random>

namespace pgtest {

Harness::Harness(const std::string& name, fs::path cache) : cache_dir(std::move(cache)) {
    std::random_device rd;
    run_dir = fs::path(PGORCH_PG_WORK) / (name + "-" + std::to_string(rd() % 1000000));
    fs::remove_all(run_dir);
    fs::create_directories(run_dir);
    fs::create_directories(cache_dir);
    rt = std::make_unique<runtime::LocalRuntime>(run_dir);
    clusters = std::make_unique<cluster::ClusterManager>(*rt, run_dir);
    registry = std::make_unique<plugins::Registry>();
    REQUIRE(registry->load_file(fs::path(PGORCH_PLUGIN_BUILD_DIR) / "pgorch-distro-pgdg.so"));
    services = std::make_unique<engine::RunServices>(
        *rt, *clusters,
        [this](const std::string& t, const std::string& v, const std::string& e, const std::vector<std::string>& p) {
            return provisioner->provision(t, v, e, p);
        },
        std::map<std::string, std::string>{{"cache_dir", cache_dir.string()}, {"run_dir", run_dir.string()}},
        run_dir / "results", cancel);
    provisioner = std::make_unique<engine::Provisioner>(*registry, *services);
}

Harness::~Harness() {
    clusters.reset();  // stops every cluster
    std::error_code ec;
    fs::remove_all(run_dir, ec);
}

cluster::Install Harness::install(const std::string& version) {
    auto in = provisioner->provision("pgdg", version);
    INFO((in ? std::string() : in.error().str()));
    REQUIRE(in.ok());
    return *in;
}

cluster::Install Harness::latest(const std::string& major, bool full) {
    engine::VersionSlot slot;
    slot.role = "the test";
    slot.db_type = "pgdg";
    slot.written = major;
    if (full) slot.need.own = {"pg_upgrade", "psql", "pg_dump"};
    engine::Resolver resolver(*provisioner);
    Status st = resolver.resolve(slot);
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    auto in = provisioner->provision(engine::ProvisionRequest{"pgdg", slot.version, "", {}, slot.method, {}});
    INFO((in ? std::string() : in.error().str()));
    REQUIRE(in.ok());
    return *in;
}

cluster::Cluster* Harness::started(const std::string& id, const cluster::Install& in, std::vector<std::string> args) {
    cluster::ClusterSpec spec;
    spec.id = id;
    spec.install = in;
    spec.initdb_args = std::move(args);
    auto c = clusters->create(spec);
    INFO((c ? std::string() : c.error().str()));
    REQUIRE(c.ok());
    Status st = (*c)->init();
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    st = (*c)->start(60);
    INFO((st ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    return *c;
}

std::string scalar(cluster::Cluster& c, const std::string& sql) {
    auto r = c.sql("postgres", sql, 30);
    INFO((r ? std::string() : r.error().str()));
    REQUIRE(r.ok());
    REQUIRE(r->rows.size() == 1);
    REQUIRE(r->rows[0].size() >= 1);
    return r->rows[0][0].value_or("NULL");
}

std::vector<long> postmasters_under(const fs::path& dir) {
    std::vector<long> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string name = e.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::ifstream in(e.path() / "cmdline", std::ios::binary);
        std::string cmd((std::istreambuf_iterator<char>(in)), {});
        for (char& ch : cmd)
            if (ch == '\0') ch = ' ';
        if (cmd.find("postgres") != std::string::npos && cmd.find(dir.string()) != std::string::npos)
            out.push_back(std::stol(name));
    }
    return out;
}

}  // namespace pgtest
