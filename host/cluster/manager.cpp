#include "cluster/cluster.hpp"

#include "cluster/pg_cluster.hpp"

#include <pgorch/cluster.hpp>

#include <spdlog/spdlog.h>

#include <functional>
#include <mutex>

namespace pgorch::cluster {

struct ClusterManager::Impl {
    runtime::Runtime& rt;
    fs::path run_dir;
    ClusterFactory factory;
    std::mutex mu;
    std::vector<std::unique_ptr<Cluster>> clusters;
    std::map<std::string, fs::path> short_sockets;  // id -> fallback socket folder under /tmp
};

ClusterManager::ClusterManager(runtime::Runtime& rt, fs::path run_dir, ClusterFactory factory)
    : impl_(new Impl{rt, std::move(run_dir), std::move(factory), {}, {}, {}}) {
    if (!impl_->factory)
        impl_->factory = [](runtime::Runtime& r, const fs::path& dir, ClusterSpec spec, fs::path sock) {
            return std::unique_ptr<Cluster>(std::make_unique<PgCluster>(r, dir, std::move(spec), std::move(sock)));
        };
}

ClusterManager::~ClusterManager() {
    stop_all();
    std::error_code ec;
    for (const auto& [id, dir] : impl_->short_sockets) fs::remove_all(dir, ec);
}

runtime::Runtime& ClusterManager::runtime() { return impl_->rt; }
const fs::path& ClusterManager::run_dir() const { return impl_->run_dir; }

// Fills the defaults of a spec and builds the cluster object.
Expected<Cluster*> ClusterManager::create(ClusterSpec spec) {
    if (!sdk::valid_cluster_id(spec.id))  // ids become folder names
        return Error::invalid("cluster id \"" + spec.id + "\" is not valid",
                              "Use letters, digits, dots, underscores and dashes only.");
    if (spec.install.bindir.empty())
        return Error::invalid("cluster \"" + spec.id + "\": no installation given");
    std::lock_guard lk(impl_->mu);
    for (const auto& c : impl_->clusters)
        if (c->id() == spec.id) return Error::invalid("cluster \"" + spec.id + "\" already exists");
    fs::path base = impl_->run_dir / "clusters" / spec.id;
    if (spec.datadir.empty()) spec.datadir = base / "data";
    if (spec.port == 0) {
        auto p = impl_->rt.free_port();
        if (!p) return p.error();
        spec.port = *p;
    }
    fs::path sock = base / "sock";
    // sun_path holds 108 bytes with the terminating NUL: "<dir>/.s.PGSQL.65535" must fit.
    if ((sock / ".s.PGSQL.65535").string().size() > 107) {
        size_t h = std::hash<std::string>{}(fs::absolute(sock).string());
        char name[64];
        std::snprintf(name, sizeof name, "/tmp/pgorch-%012llx", static_cast<unsigned long long>(h & 0xffffffffffffull));
        sock = name;
        impl_->short_sockets[spec.id] = sock;
        spdlog::debug("cluster \"{}\": socket folder path too long, using {}", spec.id, sock.string());
    }
    impl_->clusters.push_back(impl_->factory(impl_->rt, impl_->run_dir, std::move(spec), sock));
    return impl_->clusters.back().get();
}

// Registers an existing data folder and points its settings at this run's port and socket.
Expected<Cluster*> ClusterManager::adopt(ClusterSpec spec) {
    std::error_code ec;
    if (spec.datadir.empty() || !fs::exists(spec.datadir / "PG_VERSION", ec))
        return Error::invalid("cluster \"" + spec.id + "\": \"" + spec.datadir.string() +
                              "\" is not a PostgreSQL data folder");
    auto c = create(std::move(spec));
    if (!c) return c;
    if (Status st = impl_->rt.make_dir((*c)->socket_dir()); !st) return st.error();
    if (auto* pc = dynamic_cast<PgCluster*>(*c))  // a fake has no configuration to write
        if (Status st = pc->write_pgorch_conf(); !st) return st.error();
    return c;
}

Cluster* ClusterManager::find(const std::string& id) {
    std::lock_guard lk(impl_->mu);
    for (const auto& c : impl_->clusters)
        if (c->id() == id) return c.get();
    return nullptr;
}

std::vector<Cluster*> ClusterManager::list() {
    std::lock_guard lk(impl_->mu);
    std::vector<Cluster*> out;
    for (const auto& c : impl_->clusters) out.push_back(c.get());
    return out;
}

// Stops every running cluster: fast, then immediate when fast fails.
void ClusterManager::stop_all() {
    for (Cluster* c : list()) {
        if (!c->running()) continue;
        Status st = c->stop("fast", 60);
        if (!st && c->running()) st = c->stop("immediate", 30);
        if (!st) spdlog::warn("cluster \"{}\": {}", c->id(), st.error().message);
    }
}

// Server logs into the results folder (a missing log, e.g. never started, is skipped).
Status ClusterManager::copy_server_logs(const fs::path& dest) {
    std::error_code ec;
    for (Cluster* c : list()) {
        if (!fs::exists(c->server_log(), ec)) continue;
        if (Status st = impl_->rt.copy_out(c->server_log(), dest / c->server_log().filename()); !st) return st;
    }
    return {};
}

// Stops the cluster, forgets it and removes its folders.
Status ClusterManager::destroy(const std::string& id) {
    Cluster* c = find(id);
    if (!c) return Error::invalid("cluster \"" + id + "\" does not exist");
    if (c->running()) {
        Status st = c->stop("fast", 60);
        if (!st && c->running()) st = c->stop("immediate", 30);
        if (c->running()) return st.ok() ? Error::failed("cluster \"" + id + "\" does not stop") : st;
    }
    std::error_code ec;
    fs::path base = impl_->run_dir / "clusters" / id;
    fs::remove_all(c->datadir(), ec);
    fs::remove_all(base, ec);
    std::lock_guard lk(impl_->mu);
    if (auto it = impl_->short_sockets.find(id); it != impl_->short_sockets.end()) {
        fs::remove_all(it->second, ec);
        impl_->short_sockets.erase(it);
    }
    std::erase_if(impl_->clusters, [&](const auto& p) { return p->id() == id; });
    return {};
}

}  // namespace pgorch::cluster
