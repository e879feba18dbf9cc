// pgorch SDK: applying deltas (pgorch/migrations.hpp) to a database through the host's sql
// service, the way the migrate and stairway steps do, with what GitLab's migration testing
// reports for each: duration, success, database size before and after, the queries it ran
// (pg_stat_statements: calls, total and mean time, rows), an execution-time histogram, warnings
// (a statement over `long_query_ms`, a lock wait over `lock_wait_ms`, a failed statement) and
// the full statement log, written as an artifact.
//
// How a delta runs, on one session kept for the whole step:
//   - its statements are sent one at a time, as psql -f sends them, so that each has its time,
//     its command tag and its messages, and a server error position maps to file:line:column;
//   - in a transaction (BEGIN ... COMMIT, with the versions table's row inserted before the
//     COMMIT), unless the file has a `-- pgorch:no-transaction` line: then each statement
//     commits on its own and the row follows the last one;
//   - .pre.sql / .post.sql hooks run in the same transaction before / after it, .sh / .py hooks
//     as commands (PGHOST, PGPORT, PGUSER, PGDATABASE set) before BEGIN / after COMMIT;
//   - a failing statement rolls the delta back (transactional) and the run says which statement,
//     where, and what the server said; a failed no-transaction delta may have left part of it
//     behind, so it is recorded with success = false and later runs refuse to go on.
// Statistics: the session sets pg_stat_statements.track to 'all' around the delta's statements
// only ('none' around pgorch's own). The extension lives in a scratch database of its own,
// `pgorch_statistics` (created by open(), dropped by close()), where a second session resets
// and reads the statistics of the migrated database (by its oid): the migrated database gains
// no extension. The server must preload the library: open() adds pg_stat_statements to
// shared_preload_libraries and restarts the cluster once when the installation has it (no
// contrib: statistics are off, and the report says why). Lock waits come from the server itself: log_lock_waits with
// deadlock_timeout = lock_wait_ms, its LOG lines sent to the session (client_min_messages = log).
// The versions table (default pgorch_migrations.applied) holds one row per applied delta:
// installed_rank, version, description, type (SQL, SQL_NO_TX, REPEATABLE, BASELINE), script,
// checksum, installed_by, installed_on, execution_ms, success.
#pragma once

#include <pgorch/cluster.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/migrations.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <string>
#include <vector>

namespace pgorch::sdk {

struct MigrationSettings {
    std::string cluster;                            // the cluster id
    std::string database = "postgres";
    std::string table = "pgorch_migrations.applied";  // [schema.]table
    bool statistics = true;                         // pg_stat_statements per delta
    double long_query_ms = 100;                     // a statement longer than this is a warning
    double lock_wait_ms = 1000;                     // a lock wait longer than this is a warning
    double timeout_s = 0;                           // statement_timeout of each statement (0: none)
    std::string artifact_prefix;                    // "steps/02-migrate/": where statement logs go
    std::string log_suffix;                         // "" or ".2": the stairway's second upgrade
};

// One statement sent: where it is, how long it took, what the server answered.
struct StatementRun {
    std::string file;
    int line = 0, column = 0;
    double ms = 0;
    std::string command;            // the command tag ("CREATE TABLE", "INSERT 0 5")
    std::string error;              // "" when it succeeded
    std::vector<std::string> notices;
};

// One query of pg_stat_statements (normalized text).
struct QueryStat {
    std::string query;
    int64_t calls = 0, rows = 0;
    double total_ms = 0, mean_ms = 0;
};

struct MigrationWarning {
    std::string kind;               // long_query | lock_wait | failed_statement
    std::string message;
};

// One delta applied in one direction.
struct MigrationRun {
    std::string version, label, description, file;
    std::string direction = "up";   // up | down | repeat
    bool transactional = true, success = false;
    double duration_ms = 0;
    long long size_before = -1, size_after = -1;
    std::vector<StatementRun> statements;
    std::vector<QueryStat> queries;
    std::vector<MigrationWarning> warnings;
    std::string error, error_at;    // the server's message; "V003__x.sql:7:5"
    std::string log;                // results-relative name of the statement log

    json::object to_json() const {
        json::array qs, ws;
        for (const auto& q : queries)
            qs.push_back(json::object{{"query", q.query}, {"calls", q.calls}, {"total_ms", q.total_ms}, {"mean_ms", q.mean_ms},
                                      {"rows", q.rows}});
        for (const auto& w : warnings) ws.push_back(json::object{{"kind", w.kind}, {"message", w.message}});
        json::array times;
        for (const auto& s : statements) times.emplace_back(s.ms);
        json::object o{{"version", version},   {"label", label},         {"description", description},
                       {"file", file},         {"direction", direction}, {"transactional", transactional},
                       {"success", success},   {"duration_ms", duration_ms}, {"size_before", size_before},
                       {"size_after", size_after},
                       {"size_delta", size_before >= 0 && size_after >= 0 ? json::value(size_after - size_before) : json::value(nullptr)},
                       {"statements", statements.size()}, {"statement_ms", std::move(times)},
                       {"queries", std::move(qs)}, {"warnings", std::move(ws)}, {"log", log}};
        if (!error.empty()) {
            o["error"] = error;
            o["error_at"] = error_at;
        }
        return o;
    }
};

// A row of the versions table.
struct AppliedRow {
    int64_t rank = 0;
    std::string version, description, type, script, checksum;
    bool success = false;
};

class Migrator {
public:
    Migrator(const Context& ctx, MigrationSettings s) : ctx_(ctx), s_(std::move(s)) {}
    Migrator(const Migrator&) = delete;
    ~Migrator() {
        try {
            close();
        } catch (...) {
        }
    }

    const MigrationSettings& settings() const { return s_; }
    // What statement logs of the next runs end with before ".log" (a second run of one delta).
    void set_log_suffix(std::string suffix) { s_.log_suffix = std::move(suffix); }
    // Why statistics are off ("" when they are on).
    const std::string& statistics_note() const { return stats_note_; }
    bool statistics() const { return stats_; }

    // Checks that the database answers, prepares the session and, when statistics are asked
    // for, pg_stat_statements (see above). Throws Failure naming what is missing.
    void open() {
        auto info = ClusterInfo::from_json(ctx_.cluster(json::object{{"op", "info"}, {"cluster", s_.cluster}}));
        socket_dir_ = info.socket_dir;
        port_ = info.port;
        bindir_ = info.bindir;
        auto first = query("SELECT current_setting('server_version_num'), (SELECT oid FROM pg_database WHERE datname = current_database())");
        auto row = row_text(rows_of(first).at(0));
        version_num_ = std::atoi(row.at(0).c_str());
        db_oid_ = row.at(1);
        open_ = true;  // from here on close() ends the sessions and drops what open() made
        stats_ = s_.statistics;
        if (stats_) load_statistics();
        if (stats_) open_statistics();
        std::string setup = "SET log_lock_waits = on; SET deadlock_timeout = '" + std::to_string(static_cast<long>(s_.lock_wait_ms)) +
                            "ms'; SET client_min_messages = log";
        if (stats_) setup += "; SET pg_stat_statements.track = 'none'; SET pg_stat_statements.track_utility = on";
        must_value(setup);
    }

    // Ends the sessions (a transaction left open is rolled back) and drops the scratch database
    // of the statistics when open() created it.
    void close() {
        if (!open_) return;
        open_ = false;
        ctx_.sql_reply(json::object{{"cluster", s_.cluster}, {"database", s_.database}, {"sql", "SELECT 1"}});
        if (!stats_) return;
        ctx_.sql_reply(json::object{{"cluster", s_.cluster}, {"database", kStatsDb}, {"sql", "SELECT 1"}});
        if (created_stats_db_)
            ctx_.sql_reply(json::object{{"cluster", s_.cluster}, {"database", "postgres"}, {"sql", std::string("DROP DATABASE IF EXISTS ") + kStatsDb}});
    }

    bool table_exists() {
        return must_value("SELECT to_regclass(" + sql_literal(sql_qualified(s_.table)) + ") IS NOT NULL") == "t";
    }
    // Creates the versions table (and its schema) when missing; true when it created it.
    bool ensure_table() {
        if (table_exists()) return false;
        std::string schema = s_.table.find('.') == std::string::npos ? "" : s_.table.substr(0, s_.table.find('.'));
        std::string sql = "BEGIN; ";
        if (!schema.empty()) sql += "CREATE SCHEMA IF NOT EXISTS " + sql_qualified(schema) + "; ";
        sql += "CREATE TABLE " + sql_qualified(s_.table) +
               " (installed_rank integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, version text, description text NOT NULL,"
               " type text NOT NULL, script text NOT NULL, checksum text, installed_by text NOT NULL DEFAULT current_user,"
               " installed_on timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL DEFAULT 0, success boolean NOT NULL);"
               " COMMENT ON TABLE " + sql_qualified(s_.table) + " IS 'deltas applied by pgorch (migrate step)'; COMMIT";
        run_internal(sql);
        return true;
    }
    // The rows of the versions table, in installed_rank order.
    std::vector<AppliedRow> applied() {
        json::object r = query("SELECT installed_rank, coalesce(version, ''), description, type, script, coalesce(checksum, ''), success FROM " +
                               sql_qualified(s_.table) + " ORDER BY installed_rank");
        std::vector<AppliedRow> out;
        for (const auto& row : rows_of(r)) {
            auto c = row_text(row);
            if (c.size() < 7) continue;
            out.push_back({std::atoll(c[0].c_str()), c[1], c[2], c[3], c[4], c[5], c[6] == "t"});
        }
        return out;
    }
    // Records a baseline: the database is at `version` already.
    void baseline(const DeltaVersion& version) {
        run_internal("INSERT INTO " + sql_qualified(s_.table) + " (version, description, type, script, success) VALUES (" +
                     sql_literal(version.str()) + ", '<< baseline >>', 'BASELINE', '<< baseline >>', true)");
    }

    // pg_database_size of the database, -1 when it cannot be read.
    long long database_size() {
        json::object r = query("SELECT pg_database_size(current_database())");
        auto& rows = rows_of(r);
        return rows.empty() ? -1 : std::atoll(row_text(rows[0]).at(0).c_str());
    }

    // Applies one delta up (its up file; a repeatable delta: direction "repeat") or down (its
    // down file, then its row is deleted). Never throws for what the delta does: a failing
    // statement or hook gives success = false with the error and where it is.
    MigrationRun apply(const Delta& d, bool up) {
        const DeltaFile& f = up ? d.up : *d.down;
        MigrationRun run;
        run.version = d.repeatable() ? "" : d.version.str();
        run.label = d.label;
        run.description = d.description;
        run.file = f.name;
        run.direction = !up ? "down" : d.repeatable() ? "repeat" : "up";
        run.transactional = !f.no_transaction;
        run.size_before = last_size_;
        const std::string log_name = s_.artifact_prefix + base_name(f.name) + "." + run.direction + s_.log_suffix + ".log";
        run.log = log_name;
        log_ = "-- " + f.name + " (" + run.direction + ", " + (run.transactional ? "in a transaction" : "no transaction") +
               "), database \"" + s_.database + "\", started " + now_text() + "\n";
        auto t0 = std::chrono::steady_clock::now();
        bool ok = true;
        if (up) ok = run_scripts(d.pre, run);
        if (ok) {
            if (stats_) stats_query(version_num_ >= 120000 ? "SELECT pg_stat_statements_reset(0, " + db_oid_ + ", 0)"
                                                           : std::string("SELECT pg_stat_statements_reset()"));
            std::string prologue = run.transactional ? "BEGIN" : "";
            if (stats_) prologue += std::string(prologue.empty() ? "" : "; ") + "SET pg_stat_statements.track = 'all'";
            if (!prologue.empty()) run_internal(prologue);
            if (up)
                for (const auto& h : d.pre)
                    if (ok && !h.script) ok = run_file(h, run);
            ok = ok && run_file(f, run);
            if (up)
                for (const auto& h : d.post)
                    if (ok && !h.script) ok = run_file(h, run);
            finish(d, f, run, ok, ms_since(t0));
        }
        if (ok && up) ok = run_scripts(d.post, run);
        run.success = ok;
        run.duration_ms = ms_since(t0);
        if (stats_) collect(run);
        else last_size_ = database_size();
        run.size_after = last_size_;
        check_warnings(run);
        log_ += "-- " + std::string(ok ? "done" : "FAILED") + " in " + fmt_ms(run.duration_ms) + "\n";
        try {
            ctx_.write_artifact(log_name, log_);
        } catch (const Failure& e) {
            ctx_.warn("cannot write the statement log \"" + log_name + "\": " + e.what());
        }
        return run;
    }

    // Throws Failure with `message` when `sql` fails; returns the response.
    json::object query(const std::string& sql) {
        ServiceReply r = ctx_.sql_reply(request(sql));
        if (!r.ok()) throw Failure(r.status, "db \"" + s_.database + "\": " + r.error());
        return r.response.as_object();
    }

private:
    json::object request(const std::string& sql) const {
        json::object q{{"cluster", s_.cluster}, {"database", s_.database}, {"sql", sql}, {"keep_session", true}};
        if (s_.timeout_s > 0) q["timeout_s"] = s_.timeout_s;
        return q;
    }
    std::string must_value(const std::string& sql) {
        json::object r = query(sql);
        const auto& rows = rows_of(r);
        if (rows.empty()) return {};
        auto c = row_text(rows[0]);
        return c.empty() ? std::string() : c[0];
    }
    // pgorch's own statements; the statistics tracking is off around them.
    void run_internal(const std::string& sql) { query(sql); }

    // A query on the statistics' scratch database.
    json::object stats_query(const std::string& sql) {
        json::object q = request(sql);
        q["database"] = kStatsDb;
        ServiceReply r = ctx_.sql_reply(q);
        if (!r.ok()) throw Failure(r.status, "db \"" + std::string(kStatsDb) + "\": " + r.error());
        return r.response.as_object();
    }

    // The scratch database holding the extension (reused when a crashed run left it).
    void open_statistics() {
        std::string exists = must_value(std::string("SELECT count(*) FROM pg_database WHERE datname = '") + kStatsDb + "'");
        if (exists == "0") {
            ServiceReply r = ctx_.sql_reply(json::object{{"cluster", s_.cluster}, {"database", "postgres"},
                                                         {"sql", std::string("CREATE DATABASE ") + kStatsDb + " TEMPLATE template0"}});
            if (!r.ok()) throw Failure(r.status, "creating the statistics' database: " + r.error());
            created_stats_db_ = true;
        }
        stats_query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }

    // pg_stat_statements in shared_preload_libraries, or statistics off with the reason.
    void load_statistics() {
        std::string loaded = must_value("SELECT current_setting('shared_preload_libraries')");
        if (loaded.find("pg_stat_statements") != std::string::npos) return;
        if (must_value("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_stat_statements'") != "1") {
            stats_ = false;
            stats_note_ = "pg_stat_statements is not installed with this PostgreSQL (no contrib)";
            ctx_.warn("statistics off: " + stats_note_);
            return;
        }
        std::string value = loaded.empty() ? "pg_stat_statements" : loaded + ",pg_stat_statements";
        ctx_.info("adding pg_stat_statements to shared_preload_libraries and restarting cluster \"" + s_.cluster + "\"");
        ctx_.sql_reply(json::object{{"cluster", s_.cluster}, {"database", s_.database}, {"sql", "SELECT 1"}});  // closes the session
        cluster_op(ctx_, "set_parameter", s_.cluster, json::object{{"name", "shared_preload_libraries"}, {"value", value}});
        cluster_op(ctx_, "restart", s_.cluster);
        if (must_value("SELECT current_setting('shared_preload_libraries')").find("pg_stat_statements") == std::string::npos) {
            stats_ = false;
            stats_note_ = "pg_stat_statements did not load after the restart";
        }
    }

    // The queries of the delta from pg_stat_statements, and the database size after it.
    void collect(MigrationRun& run) {
        const char* total = version_num_ >= 130000 ? "total_exec_time" : "total_time";
        std::string sql = "SELECT 'size', NULL, NULL, NULL, pg_database_size(" + db_oid_ + "::oid)::text "
                          "UNION ALL (SELECT 'query', query, calls::text, " + std::string(total) + "::text, rows::text"
                          " FROM pg_stat_statements WHERE dbid = " + db_oid_ +
                          " AND query NOT LIKE 'SET pg_stat_statements.track%' ORDER BY " + total + " DESC)";
        json::object r;
        try {
            r = stats_query(sql);
        } catch (const Failure& e) {
            ctx_.warn(std::string("cannot read pg_stat_statements: ") + e.what());
            return;
        }
        for (const auto& row : rows_of(r)) {
            auto c = row_text(row);
            if (c.size() < 5) continue;
            if (c[0] == "size") {
                last_size_ = std::atoll(c[4].c_str());
                continue;
            }
            QueryStat q{c[1], std::atoll(c[2].c_str()), std::atoll(c[4].c_str()), std::atof(c[3].c_str()), 0};
            q.mean_ms = q.calls ? q.total_ms / static_cast<double>(q.calls) : 0;
            run.queries.push_back(std::move(q));
        }
    }

    // The versions table's row of a delta.
    std::string insert_sql(const Delta& d, const DeltaFile& f, double ms, bool success) const {
        std::string type = d.repeatable() ? "REPEATABLE" : f.no_transaction ? "SQL_NO_TX" : "SQL";
        return "INSERT INTO " + sql_qualified(s_.table) + " (version, description, type, script, checksum, execution_ms, success) VALUES (" +
               (d.repeatable() ? "NULL" : sql_literal(d.version.str())) + ", " + sql_literal(d.description) + ", " + sql_literal(type) +
               ", " + sql_literal(f.name) + ", " + sql_literal(f.checksum) + ", " + std::to_string(std::lround(ms)) + ", " +
               (success ? "true" : "false") + ")";
    }

    // Ends the delta: its row (or, down, the deletion of its row) and COMMIT; or, after a failure,
    // statistics tracking off (the transaction is rolled back already).
    void finish(const Delta& d, const DeltaFile& f, MigrationRun& run, bool ok, double ms) {
        std::string sql = stats_ ? "SET pg_stat_statements.track = 'none'" : "";
        auto add = [&](const std::string& s) { sql += (sql.empty() ? "" : "; ") + s; };
        if (ok) {
            if (run.direction == "down")
                add("DELETE FROM " + sql_qualified(s_.table) + " WHERE version = " + sql_literal(d.version.str()) +
                    " AND type IN ('SQL', 'SQL_NO_TX')");
            else
                add(insert_sql(d, d.up, ms, true));
            if (run.transactional) add("COMMIT");
        } else if (!run.transactional && run.direction != "down") {
            add(insert_sql(d, d.up, ms, false));
        }
        if (sql.empty()) return;
        ServiceReply r = ctx_.sql_reply(request(sql));
        if (!r.ok() && ok) {
            run.error = "recording " + run.label + " in " + s_.table + " failed: " + r.error();
            run.success = false;
        }
    }

    // Sends each statement of a file; false at the first that fails (the error is in `run`).
    bool run_file(const DeltaFile& f, MigrationRun& run) {
        for (const auto& st : f.statements) {
            ctx_.check_cancelled();
            ServiceReply r = ctx_.sql_reply(request(st.text));
            StatementRun s{f.name, st.line, st.column, 0, "", "", {}};
            const json::object* o = r.response.is_object() ? &r.response.as_object() : nullptr;
            if (o) {
                if (auto* ms = o->if_contains("duration_ms"); ms && ms->is_number()) s.ms = ms->to_number<double>();
                s.command = get_string(*o, "command");
                if (auto* n = o->if_contains("notices"); n && n->is_array())
                    for (const auto& x : n->as_array())
                        if (x.is_object())
                            s.notices.push_back(get_string(x.as_object(), "severity") + ": " + get_string(x.as_object(), "message"));
            }
            log_ += "-- [" + std::to_string(run.statements.size() + 1) + "] " + f.name + ":" + std::to_string(st.line) + ":" +
                    std::to_string(st.column) + "  ";
            if (!r.ok()) {
                TextPosition at{st.line, st.column};
                long pos = 0;
                if (o)
                    if (auto* p = o->if_contains("position"); p && p->is_number()) pos = static_cast<long>(p->to_number<int64_t>());
                if (pos > 0) at = position_of(f.text, st.offset + offset_of_char(st.text, pos));
                std::string sqlstate = o ? get_string(*o, "sqlstate") : "";
                s.error = r.error();
                run.error = server_message(r.error());
                run.error_at = f.name + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
                log_ += "FAILED" + (sqlstate.empty() ? "" : " (" + sqlstate + ")") + ": " + run.error + " at " + run.error_at + "\n";
            } else {
                log_ += fmt_ms(s.ms) + "  " + s.command + "\n";
            }
            log_ += st.text + ";\n";
            for (const auto& n : s.notices) log_ += "-- " + n + "\n";
            run.statements.push_back(std::move(s));
            if (!r.ok()) return false;
        }
        return true;
    }

    // .sh / .py hooks, as commands with the database in the environment.
    bool run_scripts(const std::vector<DeltaFile>& hooks, MigrationRun& run) {
        for (const auto& h : hooks) {
            if (!h.script) continue;
            ExecOptions how;
            how.cwd = h.path.parent_path().string();
            how.env = json::object{{"PGHOST", socket_dir_}, {"PGPORT", std::to_string(port_)}, {"PGUSER", "postgres"},
                                   {"PGDATABASE", s_.database}};
            if (!bindir_.empty()) how.env["PATH"] = bindir_ + ":/usr/local/bin:/usr/bin:/bin";
            std::string interpreter = h.name.size() > 3 && h.name.substr(h.name.size() - 3) == ".py" ? "python3" : "bash";
            ExecResult x = sdk::run(ctx_, {interpreter, h.path.string()}, how);
            log_ += "-- hook " + h.name + ": exit " + std::to_string(x.exit_code) + ", " + fmt_ms(x.duration_ms) + "\n";
            const std::string output = x.out + x.err;
            if (!output.empty()) log_ += output + (output.back() == '\n' ? "" : "\n");
            if (!x.ok()) {
                run.error = failure_text("hook " + h.name, x, 10);
                run.error_at = h.name;
                return false;
            }
        }
        return true;
    }

    // Long statements, lock waits and the failed statement, as warnings.
    void check_warnings(MigrationRun& run) const {
        for (const auto& s : run.statements) {
            std::string where = s.file + ":" + std::to_string(s.line);
            if (s.error.empty() && s.ms >= s_.long_query_ms)
                run.warnings.push_back({"long_query", "statement at " + where + " took " + fmt_ms(s.ms) + " (over " +
                                                          fmt_ms(s_.long_query_ms) + ")"});
            double waited = 0;
            std::string lock;
            for (const auto& n : s.notices) {
                // "LOG: process 123 still waiting for ShareLock on relation 1 of database 5 after 1000.1 ms"
                // "LOG: process 123 acquired ShareLock on relation 1 of database 5 after 1500.2 ms"
                auto after = n.rfind(" after ");
                bool waiting = n.find(" still waiting for ") != std::string::npos, acquired = n.find(" acquired ") != std::string::npos;
                if (after == std::string::npos || (!waiting && !acquired)) continue;
                double ms = std::atof(n.c_str() + after + 7);
                if (ms < waited) continue;
                waited = ms;
                auto from = waiting ? n.find(" still waiting for ") + 19 : n.find(" acquired ") + 10;
                lock = n.substr(from, after - from);
            }
            if (waited >= s_.lock_wait_ms)
                run.warnings.push_back({"lock_wait", "statement at " + where + " waited " + fmt_ms(waited) + " for " + lock});
        }
        if (!run.error.empty())
            run.warnings.push_back({"failed_statement", run.error_at + ": " + run.error});
    }

    // "syntax error at or near ..." out of the host's "cluster \"x\": sql failed: ERROR:  ...".
    static std::string server_message(std::string m) {
        auto e = m.find("ERROR:  ");
        if (e != std::string::npos) m = m.substr(e + 8);
        auto nl = m.find('\n');
        return nl == std::string::npos ? m : m.substr(0, nl);
    }
    static std::string base_name(const std::string& rel) {
        std::string b = rel.substr(rel.find_last_of('/') + 1);
        return b.size() > 4 && b.substr(b.size() - 4) == ".sql" ? b.substr(0, b.size() - 4) : b;
    }
    static std::string now_text() {
        std::time_t t = std::time(nullptr);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
        return buf;
    }

public:
    // "0.42 ms", "12.3 ms", "1.25 s".
    static std::string fmt_ms(double ms) {
        char buf[32];
        if (ms < 10) std::snprintf(buf, sizeof buf, "%.2f ms", ms);
        else if (ms < 1000) std::snprintf(buf, sizeof buf, "%.1f ms", ms);
        else std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
        return buf;
    }
    // Starts the size series: the database size before the first delta.
    void measure_size() { last_size_ = database_size(); }

private:
    const Context& ctx_;
    MigrationSettings s_;
    static constexpr const char* kStatsDb = "pgorch_statistics";
    bool open_ = false, stats_ = false, created_stats_db_ = false;
    std::string stats_note_, socket_dir_, bindir_, log_, db_oid_;
    int port_ = 0, version_num_ = 0;
    long long last_size_ = -1;
};

}  // namespace pgorch::sdk
