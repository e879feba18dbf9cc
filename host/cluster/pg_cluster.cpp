#include "cluster/pg_cluster.hpp"

#include "cluster/libpq.hpp"
#include "cluster/locale.hpp"

#include <pgorch/cluster.hpp>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace pgorch::cluster {

namespace json = boost::json;

// Rows and columns as JSON, the shape of the sql service's response.
json::object SqlResult::to_json() const {
    json::array cols, rs;
    for (const auto& c : columns) cols.emplace_back(c);
    for (const auto& row : rows) {
        json::array r;
        for (const auto& v : row) r.emplace_back(v ? json::value(*v) : json::value(nullptr));
        rs.emplace_back(std::move(r));
    }
    return json::object{{"columns", std::move(cols)}, {"rows", std::move(rs)}, {"command", command},
                        {"duration_ms", duration_ms}};
}

json::object SqlDiagnostics::to_json() const {
    json::object o;
    if (!sqlstate.empty()) o["sqlstate"] = sqlstate;
    if (position > 0) o["position"] = position;
    if (!detail.empty()) o["detail"] = detail;
    if (!hint.empty()) o["hint"] = hint;
    if (!context.empty()) o["context"] = context;
    if (!notices.empty()) {
        json::array a;
        for (const auto& n : notices) {
            json::object x{{"severity", n.severity}, {"message", n.message}};
            if (!n.detail.empty()) x["detail"] = n.detail;
            a.emplace_back(std::move(x));
        }
        o["notices"] = std::move(a);
    }
    return o;
}

// kill(pid, 0): EPERM still means the process exists.
bool process_alive(long pid) {
    if (pid <= 0) return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

namespace {

// Whole content of a file, "" when unreadable.
std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A libpq conninfo value, quoted when needed.
std::string conn_value(const std::string& v) {
    if (!v.empty() && v.find_first_of(" '\\") == std::string::npos) return v;
    std::string q = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') q += '\\';
        q += c;
    }
    return q + "'";
}

// A postgresql.conf string literal.
std::string conf_quote(const std::string& v) {
    std::string q = "'";
    for (char c : v) q += (c == '\'') ? std::string("''") : std::string(1, c);
    return q + "'";
}

// Last lines of a command's output, for error messages.
std::string tail_of(const std::string& text, int n) {
    std::deque<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        lines.push_back(l);
        if (static_cast<int>(lines.size()) > n) lines.pop_front();
    }
    std::string out;
    for (const auto& l : lines) out += "\n  " + l;
    return out;
}

// Whether nothing listens on 127.0.0.1:port.
bool port_free(int port) {
    try {
        Poco::Net::ServerSocket s;
        s.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), true);
        s.close();
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace

PgCluster::PgCluster(runtime::Runtime& rt, fs::path run_dir, ClusterSpec spec, fs::path socket_dir)
    : rt_(rt), run_dir_(std::move(run_dir)), spec_(std::move(spec)), sock_(std::move(socket_dir)) {}

fs::path PgCluster::server_log() const { return run_dir_ / "logs" / (spec_.id + ".server.log"); }

// A request running one of the version's tools as the service user with the client environment.
runtime::ExecRequest PgCluster::tool(std::vector<std::string> argv, const std::string& tag, double timeout_s) const {
    runtime::ExecRequest r;
    r.argv = std::move(argv);
    r.env = client_env();
    r.cwd = run_dir_;
    r.timeout_s = timeout_s;
    r.as = runtime::RunAs::service_user;
    r.log_tag = spec_.id + " " + tag;
    return r;
}

// Writes a file owned by the service user (through the runtime, so ownership is right).
Status PgCluster::put_file(const fs::path& target, const std::string& content) {
    fs::path tmp = run_dir_ / ".tmp";
    std::error_code ec;
    fs::create_directories(tmp, ec);
    fs::path staged = tmp / (spec_.id + "." + target.filename().string());
    {
        std::ofstream out(staged, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out) return Error::environment("cannot write \"" + staged.string() + "\"");
    }
    Status st = rt_.copy_in(staged, target);
    fs::remove(staged, ec);
    return st;
}

// initdb after the locale check; then pgorch's own settings.
Status PgCluster::init() {
    std::error_code ec;
    if (fs::exists(spec_.datadir / "PG_VERSION", ec))
        return Error::invalid("cluster \"" + spec_.id + "\": data folder \"" + spec_.datadir.string() +
                              "\" is already initialized");
    if (Status st = ensure_locales(rt_, spec_.initdb_args); !st) {
        Error e = st.error();
        e.message = "cluster \"" + spec_.id + "\": " + e.message;
        return e;
    }
    for (const fs::path& d : {spec_.datadir.parent_path(), sock_, run_dir_ / "logs"})
        if (Status st = rt_.make_dir(d); !st) return st;
    std::vector<std::string> argv = {spec_.install.bin("initdb").string(), "-D", spec_.datadir.string(),
                                     "-U", "postgres", "--auth=trust"};
    argv.insert(argv.end(), spec_.initdb_args.begin(), spec_.initdb_args.end());
    auto r = rt_.exec(tool(argv, "initdb", 600));
    if (!r) return r.error();
    if (!r->ok())
        return Error::failed("cluster \"" + spec_.id + "\": initdb failed (exit " + std::to_string(r->exit_code) +
                             (r->timed_out ? ", timed out" : "") + "):" + tail_of(r->out + r->err, 20))
            .as(errors::Code::server_failed);
    return write_pgorch_conf();
}

// Idempotent: postgresql.conf includes pgorch.d once; 90-pgorch.conf always reflects port/socket.
Status PgCluster::write_pgorch_conf() {
    fs::path conf = spec_.datadir / "postgresql.conf";
    std::string text = read_text(conf);
    const std::string include = "include_dir = 'pgorch.d'";
    if (text.find(include) == std::string::npos) {
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += "\n# added by pgorch: settings it manages (see pgorch.d/)\n" + include + "\n";
        if (Status st = put_file(conf, text); !st) return st;
    }
    if (Status st = rt_.make_dir(spec_.datadir / "pgorch.d"); !st) return st;
    std::string own = "# written by pgorch; read last so that these win\n"
                      "listen_addresses = '127.0.0.1'\n"
                      "port = " + std::to_string(spec_.port) + "\n"
                      "unix_socket_directories = " + conf_quote(sock_.string()) + "\n";
    return put_file(spec_.datadir / "pgorch.d" / "90-pgorch.conf", own);
}

// Copies a postgresql.conf-syntax file into pgorch.d, after the earlier ones.
Status PgCluster::configure(const fs::path& conf_file) {
    std::error_code ec;
    if (!fs::is_regular_file(conf_file, ec))
        return Error::invalid("configuration file \"" + conf_file.string() + "\" not found");
    std::ifstream in(conf_file);
    if (!in) return Error::invalid("configuration file \"" + conf_file.string() + "\" is not readable");
    std::ostringstream s;
    s << in.rdbuf();
    char name[32];
    std::snprintf(name, sizeof name, "10-conf-%02d-", ++conf_files_);
    std::string text = "# from " + conf_file.string() + "\n" + s.str() + "\n";
    return put_file(spec_.datadir / "pgorch.d" / (name + conf_file.stem().string() + ".conf"), text);
}

// Keeps all parameters set so far in one file, rewritten each time.
Status PgCluster::set_parameter(const std::string& name, const std::string& value) {
    params_[name] = value;
    std::string text = "# set by pgorch\n";
    for (const auto& [k, v] : params_) text += k + " = " + conf_quote(v) + "\n";
    return put_file(spec_.datadir / "pgorch.d" / "50-parameters.conf", text);
}

long PgCluster::postmaster_pid() const {
    std::ifstream in(spec_.datadir / "postmaster.pid");
    long pid = 0;
    if (in >> pid) return pid;
    return 0;
}

// Removes postmaster.pid and socket lock files a killed server left behind.
void PgCluster::clear_stale_locks() {
    std::error_code ec;
    long pid = postmaster_pid();
    if (pid > 0 && !process_alive(pid)) {
        spdlog::info("cluster \"{}\": removing stale postmaster.pid (pid {} is gone)", spec_.id, pid);
        fs::remove(spec_.datadir / "postmaster.pid", ec);
    }
    std::string sock = ".s.PGSQL." + std::to_string(spec_.port);
    std::ifstream lock(sock_ / (sock + ".lock"));
    long lpid = 0;
    if (lock >> lpid && !process_alive(lpid)) {
        fs::remove(sock_ / (sock + ".lock"), ec);
        fs::remove(sock_ / sock, ec);
    }
}

// The error for a postmaster that is gone, with the tail of its log.
Status PgCluster::dead_error(const std::string& what) const {
    return Error::failed("cluster \"" + spec_.id + "\": " + what + "; server log \"" + server_log().string() +
                             "\" ends with:" + tail_of(log_tail(20), 20),
                         "Look at the server log for the reason (a crash, kill -9, or the OOM killer).")
        .as(errors::Code::server_failed);
}

// pg_ctl -w start, after clearing stale locks and moving off a port someone else took.
Status PgCluster::start(double timeout_s) {
    if (running()) return {};
    clear_stale_locks();
    if (!port_free(spec_.port)) {
        if (spec_.fixed_port)
            return Error::environment("cluster \"" + spec_.id + "\": port " + std::to_string(spec_.port) +
                                          " (its db_port) is in use on 127.0.0.1",
                                      "Stop what listens there (ss -ltnp 'sport = :" + std::to_string(spec_.port) +
                                          "') or choose another db_port.").as(errors::Code::port_unavailable);
        auto p = rt_.free_port();
        if (!p) return p.error();
        spdlog::info("cluster \"{}\": port {} is taken, moving to {}", spec_.id, spec_.port, *p);
        spec_.port = *p;
        if (Status st = write_pgorch_conf(); !st) return st;
    }
    if (Status st = rt_.make_dir(run_dir_ / "logs"); !st) return st;
    int t = timeout_s > 0 ? static_cast<int>(timeout_s + 0.999) : 60;
    auto r = rt_.exec(tool({spec_.install.bin("pg_ctl").string(), "-w", "-t", std::to_string(t), "-D",
                            spec_.datadir.string(), "-l", server_log().string(), "start"},
                           "pg_ctl start", t + 30));
    if (!r) return r.error();
    if (!r->ok()) {
        long pid = postmaster_pid();
        if (pid > 0 && process_alive(pid))  // started too slowly: do not leave it running
            (void)rt_.exec(tool({spec_.install.bin("pg_ctl").string(), "-w", "-D", spec_.datadir.string(), "-m", "immediate", "stop"},
                          "pg_ctl stop", 60));
        return dead_error("server did not start (pg_ctl exit " + std::to_string(r->exit_code) +
                          (r->timed_out ? ", timed out" : "") + ")");
    }
    started_ = true;
    return {};
}

// pg_ctl -w stop; a postmaster that already died is reported as such.
Status PgCluster::stop(const std::string& mode, double timeout_s) {
    if (mode != "smart" && mode != "fast" && mode != "immediate")
        return Error::invalid("cluster \"" + spec_.id + "\": unknown stop mode \"" + mode + "\"",
                              "Use smart, fast or immediate.");
    close_sessions();
    long pid = postmaster_pid();
    if (!process_alive(pid)) {
        bool was = started_;
        started_ = false;
        clear_stale_locks();
        if (was) return dead_error("postmaster" + (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) +
                                   " died while the cluster was running");
        return {};
    }
    int t = timeout_s > 0 ? static_cast<int>(timeout_s + 0.999) : 60;
    runtime::ExecRequest req = tool({spec_.install.bin("pg_ctl").string(), "-w", "-t", std::to_string(t), "-D",
                                     spec_.datadir.string(), "-m", mode, "stop"},
                                    "pg_ctl stop", t + 30);
    req.cleanup = true;  // a server must stop even after Ctrl-C
    auto r = rt_.exec(req);
    if (!r) return r.error();
    if (!r->ok() && process_alive(postmaster_pid()))
        return Error::failed("cluster \"" + spec_.id + "\": pg_ctl stop -m " + mode + " failed (exit " +
                             std::to_string(r->exit_code) + "):" + tail_of(r->out + r->err, 10))
            .as(errors::Code::server_failed);
    started_ = false;
    return {};
}

bool PgCluster::running() const { return process_alive(postmaster_pid()); }

// postmaster.pid names a live process and libpq's ping gets an answer.
Status PgCluster::check_alive() {
    long pid = postmaster_pid();
    if (pid <= 0) {
        if (started_) return dead_error("postmaster is gone (no postmaster.pid)");
        return Error::failed("cluster \"" + spec_.id + "\" is not running").as(errors::Code::server_failed);
    }
    if (!process_alive(pid)) return dead_error("postmaster (pid " + std::to_string(pid) + ") is not running");
    std::string ci = conninfo("postgres") + " connect_timeout=5";
    PGPing ping = PQping(ci.c_str());
    if (ping == PQPING_OK) return {};
    return dead_error(ping == PQPING_REJECT ? "server rejects connections" : "server does not answer on its socket");
}

std::string PgCluster::conninfo(const std::string& database) const {
    return "host=" + conn_value(sock_.string()) + " port=" + std::to_string(spec_.port) +
           " user=postgres dbname=" + conn_value(database);
}

// One libpq session per call; the result of the last statement is returned as text.
// Closes every kept session (before stop, or when the binaries change).
void PgCluster::close_sessions() {
    std::lock_guard lock(sessions_mu_);
    sessions_.clear();
}

// A kept healthy session of `database`, or a new connection (not yet kept). Only the map is
// locked: statements on sessions of their own run side by side (verification's parallel jobs).
Expected<PgCluster::Session> PgCluster::session(const std::string& database) {
    {
        std::lock_guard lock(sessions_mu_);
        if (auto it = sessions_.find(database); it != sessions_.end()) {
            Session kept = it->second;
            sessions_.erase(it);
            if (PQstatus(kept.get()) == CONNECTION_OK) return kept;
        }
    }
    std::string ci = conninfo(database) + " connect_timeout=10";
    // The deleter forgets the session's statement_timeout: a new connection may get its address.
    Session conn(PQconnectdb(ci.c_str()), [this](PGconn* c) {
        {
            std::lock_guard lock(timeouts_mu_);
            timeouts_.erase(c);
        }
        PQfinish(c);
    });
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        long pid = postmaster_pid();
        if (started_ && !process_alive(pid)) return dead_error("postmaster is gone").error();
        std::string msg = conn ? PQerrorMessage(conn.get()) : "out of memory";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        return Error::failed("cluster \"" + spec_.id + "\": cannot connect to database \"" + database + "\": " + msg)
            .as(errors::Code::server_failed);
    }
    return conn;
}

namespace {

// Collects what the server sends during a statement into a SqlDiagnostics (or drops it).
void receive_notice(void* arg, const PGresult* r) {
    if (!arg) return;
    auto field = [r](int code) {
        const char* v = PQresultErrorField(r, code);
        return std::string(v ? v : "");
    };
    static_cast<SqlDiagnostics*>(arg)->notices.push_back(
        {field(PG_DIAG_SEVERITY_NONLOCALIZED), field(PG_DIAG_MESSAGE_PRIMARY), field(PG_DIAG_MESSAGE_DETAIL)});
}

// The fields of a failed statement's result.
void read_error_fields(const PGresult* r, SqlDiagnostics& d) {
    auto field = [r](int code) {
        const char* v = r ? PQresultErrorField(r, code) : nullptr;
        return std::string(v ? v : "");
    };
    d.sqlstate = field(PG_DIAG_SQLSTATE);
    d.message = field(PG_DIAG_MESSAGE_PRIMARY);
    d.detail = field(PG_DIAG_MESSAGE_DETAIL);
    d.hint = field(PG_DIAG_MESSAGE_HINT);
    d.context = field(PG_DIAG_CONTEXT);
    std::string pos = field(PG_DIAG_STATEMENT_POSITION);
    d.position = pos.empty() ? 0 : std::atol(pos.c_str());
}

}  // namespace

Expected<SqlResult> PgCluster::sql(const std::string& database_in, const std::string& text, double timeout_s,
                                   bool keep_session, SqlDiagnostics* diagnostics) {
    const std::string database = database_in.empty() ? "postgres" : database_in;
    auto conn = session(database);
    if (!conn) return conn.error();
    PGconn* c = conn->get();
    // The statement timeout is per call: set it (0 = none) before the statement, outside the
    // clock, unless this session already has it (a kept session: one round trip less per call).
    // Only a SET made outside a transaction is remembered (a rollback would undo it); a
    // statement that sets statement_timeout itself keeps it for the session, as in psql.
    const long timeout_ms = timeout_s > 0 ? static_cast<long>(timeout_s * 1000) : 0;
    bool timeout_set = false;
    {
        std::lock_guard lock(timeouts_mu_);
        auto it = timeouts_.find(c);
        timeout_set = it != timeouts_.end() && it->second == timeout_ms;
    }
    if (!timeout_set) {
        std::string set_timeout = "SET statement_timeout = " + std::to_string(timeout_ms);
        std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, set_timeout.c_str()), &PQclear);
        std::lock_guard lock(timeouts_mu_);
        if (r && PQresultStatus(r.get()) == PGRES_COMMAND_OK && PQtransactionStatus(c) == PQTRANS_IDLE)
            timeouts_[c] = timeout_ms;
        else timeouts_.erase(c);
    }
    PQsetNoticeReceiver(c, receive_notice, diagnostics);
    auto started = std::chrono::steady_clock::now();
    std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(c, text.c_str()), &PQclear);
    const double duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    PQsetNoticeReceiver(c, receive_notice, nullptr);
    // A statement that left a failed transaction behind must not poison the kept session.
    if (PQtransactionStatus(c) == PQTRANS_INERROR) PQclear(PQexec(c, "ROLLBACK"));
    if (keep_session && PQstatus(c) == CONNECTION_OK) {
        std::lock_guard lock(sessions_mu_);
        sessions_[database] = *conn;
    }
    ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
        if (diagnostics) read_error_fields(res.get(), *diagnostics);
        std::string msg = res ? PQresultErrorMessage(res.get()) : PQerrorMessage(c);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        if (PQstatus(c) != CONNECTION_OK && !process_alive(postmaster_pid()))
            return dead_error("postmaster died during a statement").error();
        return Error::failed("cluster \"" + spec_.id + "\": sql failed: " + msg);
    }
    SqlResult out = sql_result_of(res.get());
    out.duration_ms = duration_ms;
    return out;
}

std::map<std::string, std::string> PgCluster::client_env() const {
    const char* path = std::getenv("PATH");
    std::map<std::string, std::string> env = {
        {"PGHOST", sock_.string()},
        {"PGPORT", std::to_string(spec_.port)},
        {"PGUSER", "postgres"},
        {"PGDATABASE", "postgres"},
        {"PGDATA", spec_.datadir.string()},
        {"PATH", spec_.install.bindir.string() + ":" + (path ? path : "/usr/local/bin:/usr/bin:/bin")},
        {"PGORCH_CLUSTER", spec_.id},
        {"PGORCH_PG_VERSION", spec_.install.version},
        {"PGORCH_BINDIR", spec_.install.bindir.string()},
        {"PGORCH_RUN_DIR", run_dir_.string()},
        {"PGORCH_SERVER_LOG", server_log().string()},
    };
    std::error_code ec;
    // Only an installation with its own libpq (a source build) needs its libdir on the path; with
    // borrowed tools it stays off, so that each lender's tool loads its own libraries.
    if (!spec_.install.libdir.empty() && spec_.install.borrowed.empty() && fs::exists(spec_.install.libdir / "libpq.so", ec)) {
        const char* ld = std::getenv("LD_LIBRARY_PATH");
        env["LD_LIBRARY_PATH"] = spec_.install.libdir.string() + (ld && *ld ? std::string(":") + ld : "");
    }
    return env;
}

std::string PgCluster::log_tail(int lines) const {
    std::string text = read_text(server_log());
    std::string t = tail_of(text, lines);
    std::string out;  // tail_of indents for messages; here plain lines
    std::istringstream in(t);
    for (std::string l; std::getline(in, l);)
        if (l.size() >= 2) out += l.substr(2) + "\n";
    return out;
}

// The cluster service's response, written by the SDK's type (pgorch/cluster.hpp) plugins read it with.
json::object PgCluster::info() const {
    sdk::ClusterInfo c;
    c.id = spec_.id;
    c.datadir = spec_.datadir.string();
    c.port = spec_.port;
    c.socket_dir = sock_.string();
    c.server_log = server_log().string();
    c.install = spec_.install.to_json();
    c.running = running();
    c.version = spec_.install.version;
    return c.to_json();
}

}  // namespace pgorch::cluster
