// Clusters that run nothing, for the engine's unit tests: a ClusterManager made with
// FakeClusters::factory() hands out FakeCluster objects. init, start, stop, configure and
// use_install flip their state and are journaled ("cluster c0-15.1: start"). sql() answers what
// an empty, running server of the cluster's installation would to the queries the engine sends
// (its version, database "postgres" alone, no objects, no rows), unless `on_sql` answers first; a
// stopped cluster refuses connections. `on_op` may make an operation fail.
#pragma once

#include "cluster/cluster.hpp"
#include "journal.hpp"

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace pgorch::test {

namespace fs = std::filesystem;

namespace json = boost::json;

class FakeCluster;

struct FakeClusters {
    // Answers a statement instead of the default (nullopt: the default answers).
    using SqlHandler = std::function<std::optional<Expected<cluster::SqlResult>>(FakeCluster&, const std::string& database,
                                                                                 const std::string& sql)>;
    // An error for an operation ("init", "start", "stop") of a cluster, or success.
    using OpHandler = std::function<Status(FakeCluster&, const std::string& op)>;

    explicit FakeClusters(Journal* j = nullptr) : journal(j) {}
    Journal* journal;
    SqlHandler on_sql;
    OpHandler on_op;

    inline cluster::ClusterFactory factory();
};

class FakeCluster : public cluster::Cluster {
public:
    FakeCluster(FakeClusters& world, fs::path run_dir, cluster::ClusterSpec spec, fs::path sock)
        : w_(world), run_dir_(std::move(run_dir)), spec_(std::move(spec)), sock_(std::move(sock)) {}

    // The version the server reports: the installation's unless a test says otherwise.
    std::optional<std::string> reported_version;
    std::vector<std::string> statements;  // every SQL text, in order

    const std::string& id() const override { return spec_.id; }
    const cluster::Install& install() const override { return spec_.install; }
    const fs::path& datadir() const override { return spec_.datadir; }
    const fs::path& socket_dir() const override { return sock_; }
    int port() const override { return spec_.port; }
    fs::path server_log() const override { return run_dir_ / "logs" / (spec_.id + ".server.log"); }

    Status init() override { return op("init"); }
    Status configure(const fs::path& conf_file) override { return op("configure " + conf_file.filename().string()); }
    Status set_parameter(const std::string& name, const std::string& value) override {
        return op("set_parameter " + name + "=" + value);
    }
    Status start(double = 60) override {
        Status s = op("start");
        if (s) running_ = true;
        return s;
    }
    Status stop(const std::string& mode = "fast", double = 60) override {
        Status s = op("stop " + mode);
        if (s) running_ = false;
        return s;
    }
    Status check_alive() override {
        if (running_) return {};
        return Error::failed("cluster \"" + spec_.id + "\" is not running");
    }
    bool running() const override { return running_; }
    void use_install(const cluster::Install& install) override {
        note("use_install " + install.version);
        spec_.install = install;
    }
    Expected<cluster::SqlResult> sql(const std::string& database, const std::string& text, double = 0, bool = false,
                                     cluster::SqlDiagnostics* = nullptr) override {
        {
            std::lock_guard lk(mu_);
            statements.push_back(text);
        }
        if (w_.on_sql)
            if (auto answer = w_.on_sql(*this, database, text)) return *answer;
        if (!running_) return Error::failed("connection to server on socket \"" + sock_.string() + "\" failed: no such file");
        cluster::SqlResult r;
        const std::string v = reported_version.value_or(spec_.install.version);
        const std::string num = std::to_string(version_num(v));
        auto has = [&](const char* part) { return text.find(part) != std::string::npos; };  // after session SETs
        if (has("SHOW server_version")) {
            r.columns = {"server_version"};
            r.rows = {{v}};
        } else if (has("SELECT current_setting('server_version'), current_setting('server_version_num'), datname")) {
            r.columns = {"current_setting", "current_setting", "datname"};  // the snapshot's first query
            r.rows = {{v, num, std::string("postgres")}};
        } else if (has("SELECT current_setting('server_version_num')::int")) {
            r.columns = {"current_setting"};
            r.rows = {{num}};
        } else if (has("SELECT datname FROM pg_database")) {
            r.columns = {"datname"};
            r.rows = {{std::string("postgres")}};
        }
        r.command = "SELECT " + std::to_string(r.rows.size());
        return r;
    }
    void close_sessions() override {}
    std::string conninfo(const std::string& database) const override {
        return "host=" + sock_.string() + " port=" + std::to_string(spec_.port) + " dbname=" + database;
    }
    std::map<std::string, std::string> client_env() const override {
        return {{"PGHOST", sock_.string()},          {"PGPORT", std::to_string(spec_.port)},
                {"PGUSER", "postgres"},              {"PGDATA", spec_.datadir.string()},
                {"PGORCH_CLUSTER", spec_.id},        {"PGORCH_PG_VERSION", spec_.install.version}};
    }
    std::string log_tail(int = 20) const override { return {}; }
    json::object info() const override {
        return {{"id", spec_.id},       {"datadir", spec_.datadir.string()}, {"port", spec_.port},
                {"socket_dir", sock_.string()}, {"install", spec_.install.to_json()}, {"running", running_.load()},
                {"version", spec_.install.version}, {"server_log", server_log().string()}};
    }

    // server_version_num of "15.2" (150002) or "9.6.24" (90624).
    static int version_num(const std::string& v) {
        int major = 0, minor = 0, patch = 0;
        std::sscanf(v.c_str(), "%d.%d.%d", &major, &minor, &patch);
        return major >= 10 ? major * 10000 + minor : major * 10000 + minor * 100 + patch;
    }

private:
    void note(const std::string& what) {
        if (w_.journal) w_.journal->add("cluster " + spec_.id + ": " + what);
    }
    Status op(const std::string& what) {
        note(what);
        if (w_.on_op) return w_.on_op(*this, what);
        return {};
    }

    FakeClusters& w_;
    fs::path run_dir_;
    cluster::ClusterSpec spec_;
    fs::path sock_;
    std::atomic<bool> running_{false};
    std::mutex mu_;
};

cluster::ClusterFactory FakeClusters::factory() {
    return [this](runtime::Runtime&, const fs::path& run_dir, cluster::ClusterSpec spec, fs::path sock) {
        return std::unique_ptr<cluster::Cluster>(std::make_unique<FakeCluster>(*this, run_dir, std::move(spec), std::move(sock)));
    };
}

}  // namespace pgorch::test
