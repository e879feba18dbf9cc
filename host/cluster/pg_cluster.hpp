// The Cluster implementation for any Runtime whose paths are visible on this machine
// (the local runtime): pg_ctl for start/stop, libpq for sessions, files under the run folder.
//
// Folder layout: <run_dir>/clusters/<id>/data (PGDATA), <run_dir>/clusters/<id>/sock (unix
// socket; a short folder under /tmp when that path is too long for a socket), and the server
// log <run_dir>/logs/<id>.server.log. Settings pgorch owns live in <datadir>/pgorch.d/, included
// from postgresql.conf with include_dir: 10-*.conf configuration files, 50-parameters.conf from
// set_parameter(), 90-pgorch.conf (listen_addresses, port, unix_socket_directories) last so it wins.
//
// Environment of scripts and client tools (client_env()):
//   PGHOST             the cluster's unix socket folder
//   PGPORT             its port (it also listens on 127.0.0.1)
//   PGUSER             postgres
//   PGDATABASE         postgres
//   PGDATA             the data folder
//   PATH               the version's bindir first, then pgorch's PATH
//   LD_LIBRARY_PATH    the version's libdir first, only when it holds its own libpq
//   PGORCH_CLUSTER     the cluster id ("main", "15.18" ...)
//   PGORCH_PG_VERSION  the exact PostgreSQL version ("15.20")
//   PGORCH_BINDIR      the version's bindir
//   PGORCH_RUN_DIR     the run folder
//   PGORCH_SERVER_LOG  the server log file
#pragma once

#include "cluster/cluster.hpp"

#include <memory>
#include <mutex>

extern "C" {
typedef struct pg_conn PGconn;
}

namespace pgorch::cluster {

class PgCluster : public Cluster {
public:
    // `spec` must be complete: datadir and port set (the manager fills them).
    PgCluster(runtime::Runtime& rt, fs::path run_dir, ClusterSpec spec, fs::path socket_dir);

    const std::string& id() const override { return spec_.id; }
    const Install& install() const override { return spec_.install; }
    const fs::path& datadir() const override { return spec_.datadir; }
    const fs::path& socket_dir() const override { return sock_; }
    int port() const override { return spec_.port; }
    fs::path server_log() const override;

    Status init() override;
    Status configure(const fs::path& conf_file) override;
    Status set_parameter(const std::string& name, const std::string& value) override;
    Status start(double timeout_s = 60) override;
    Status stop(const std::string& mode = "fast", double timeout_s = 60) override;
    Status check_alive() override;
    bool running() const override;
    void use_install(const Install& install) override {
        close_sessions();
        spec_.install = install;
    }
    Expected<SqlResult> sql(const std::string& database, const std::string& sql, double timeout_s = 0,
                            bool keep_session = false, SqlDiagnostics* diagnostics = nullptr) override;
    void close_sessions() override;
    std::string conninfo(const std::string& database) const override;
    std::map<std::string, std::string> client_env() const override;
    std::string log_tail(int lines = 20) const override;
    boost::json::object info() const override;

    // Adds the include of pgorch.d to postgresql.conf (once) and writes 90-pgorch.conf.
    Status write_pgorch_conf();
    // The postmaster's pid from postmaster.pid (0 when there is none).
    long postmaster_pid() const;

private:
    using Session = std::shared_ptr<pg_conn>;
    // A session of `database`: the kept one when it is healthy, else a new connection.
    Expected<Session> session(const std::string& database);

    Status put_file(const fs::path& target, const std::string& content);
    Status dead_error(const std::string& what) const;
    void clear_stale_locks();
    runtime::ExecRequest tool(std::vector<std::string> argv, const std::string& tag, double timeout_s) const;

    runtime::Runtime& rt_;
    fs::path run_dir_;
    ClusterSpec spec_;
    fs::path sock_;
    bool started_ = false;
    int conf_files_ = 0;
    std::map<std::string, std::string> params_;
    std::mutex sessions_mu_;
    std::map<std::string, Session> sessions_;  // kept libpq sessions by database
    std::mutex timeouts_mu_;                   // its own lock: a session's deleter takes it
    std::map<const pg_conn*, long> timeouts_;  // the statement_timeout (ms) each live session has set
};

// Whether a process exists (also when it belongs to another user).
bool process_alive(long pid);

}  // namespace pgorch::cluster
