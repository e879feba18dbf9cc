// A PostgreSQL cluster on a runtime: initdb, configuration, start/stop with pg_ctl -w,
// readiness, libpq sessions, the server log. Used by the engine and, through the host
// services, by plugins.
#pragma once

#include "cluster/install.hpp"
#include "core/error.hpp"
#include "runtime/runtime.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgorch::cluster {

// The result of one SQL statement (the last one when several are sent at once).
struct SqlResult {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;  // text values, nullopt = NULL
    std::string command;          // command tag, e.g. "SELECT 3"
    double duration_ms = 0;
    boost::json::object to_json() const;
};

// What the server said besides a statement's result: the fields of its error, when it failed,
// and every message it sent while the statement ran (RAISE NOTICE, warnings; LOG lines too when
// the session set client_min_messages = log).
struct SqlDiagnostics {
    struct Notice {
        std::string severity;     // "NOTICE", "WARNING", "LOG" ...
        std::string message;      // the primary message
        std::string detail;
    };
    std::string sqlstate;         // the error's SQLSTATE ("42601"), "" without an error
    std::string message;          // its primary message
    std::string detail, hint, context;
    long position = 0;            // PG_DIAG_STATEMENT_POSITION: characters from 1 in the sent text, 0 when none
    std::vector<Notice> notices;
    // {"sqlstate", "position", "detail", "hint", "context"} (set fields only) and "notices".
    boost::json::object to_json() const;
};

struct ClusterSpec {
    std::string id;                          // unique in the run: "main", "15.18", "new-2" ...
    Install install;
    fs::path datadir;                        // empty: <run dir>/clusters/<id>/data
    std::vector<std::string> initdb_args;    // already split, e.g. {"--encoding=UTF8", "--locale=C"}
    int port = 0;                            // 0: a free port
    bool fixed_port = false;                 // the user asked for `port` (db_port): never move off it
};

class Cluster {
public:
    virtual ~Cluster() = default;
    virtual const std::string& id() const = 0;
    virtual const Install& install() const = 0;
    virtual const fs::path& datadir() const = 0;
    virtual const fs::path& socket_dir() const = 0;
    virtual int port() const = 0;
    virtual fs::path server_log() const = 0;

    // initdb with the spec's arguments (a missing locale is refused before initdb runs).
    virtual Status init() = 0;
    // Appends a configuration file's settings (postgresql.conf syntax) under a marked section.
    virtual Status configure(const fs::path& conf_file) = 0;
    virtual Status set_parameter(const std::string& name, const std::string& value) = 0;
    virtual Status start(double timeout_s = 60) = 0;
    // mode: "smart" | "fast" | "immediate"
    virtual Status stop(const std::string& mode = "fast", double timeout_s = 60) = 0;
    // Running and accepting connections; a dead postmaster is reported with its log tail.
    virtual Status check_alive() = 0;
    virtual bool running() const = 0;
    // Points the cluster at another installation (minor update, new binaries).
    virtual void use_install(const Install& install) = 0;

    // Runs SQL in a libpq session of `database`. With keep_session the session stays open for the
    // next call on the same database (a warm backend: what timing measurements need); without it,
    // the session (new, or kept by an earlier call) is closed afterwards, so an idle pgorch session
    // never blocks a script's DROP DATABASE. stop() and use_install() close every session.
    // duration_ms covers the statement only, not the connection. `diagnostics`, when given,
    // receives the notices the server sent and, on an error, its fields (position, SQLSTATE ...).
    virtual Expected<SqlResult> sql(const std::string& database, const std::string& sql,
                                    double timeout_s = 0, bool keep_session = false,
                                    SqlDiagnostics* diagnostics = nullptr) = 0;
    // Closes every session kept by sql(..., keep_session = true).
    virtual void close_sessions() = 0;
    // libpq keyword/value connection string for a database.
    virtual std::string conninfo(const std::string& database) const = 0;
    // Environment for scripts and client tools: PGHOST, PGPORT, PGUSER, PGDATABASE, PGDATA,
    // PATH with bindir first, PGORCH_* (see README).
    virtual std::map<std::string, std::string> client_env() const = 0;
    // Last n lines of the server log.
    virtual std::string log_tail(int lines = 20) const = 0;
    virtual boost::json::object info() const = 0;
};

// Makes the Cluster object of a complete spec (datadir and port chosen) whose unix socket goes
// in `socket_dir`. The default makes a PgCluster; the engine's unit tests make fakes.
using ClusterFactory = std::function<std::unique_ptr<Cluster>(runtime::Runtime& rt, const fs::path& run_dir,
                                                              ClusterSpec spec, fs::path socket_dir)>;

// Creates clusters on a runtime under a run folder; stops every one it started on destruction.
class ClusterManager {
public:
    ClusterManager(runtime::Runtime& rt, fs::path run_dir, ClusterFactory factory = {});
    ~ClusterManager();
    // Registers a new cluster: id checked (letters, digits, ".", "_", "-"; unique), datadir and
    // socket folder chosen, a free port when spec.port is 0. Nothing runs: call init() next.
    Expected<Cluster*> create(ClusterSpec spec);
    Cluster* find(const std::string& id);
    // Registers an existing data directory (created by a tool such as pg_upgrade).
    Expected<Cluster*> adopt(ClusterSpec spec);
    void stop_all();
    // Stops the cluster (immediate when fast fails), forgets it and removes its folders.
    Status destroy(const std::string& id);
    std::vector<Cluster*> list();
    // Copies every cluster's server log into `dest` (<id>.server.log), for the run's results.
    Status copy_server_logs(const fs::path& dest);
    runtime::Runtime& runtime();
    const fs::path& run_dir() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pgorch::cluster
