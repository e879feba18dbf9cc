// standby: the catch-up wait and mode sync (recovery, streaming, catalog digests compared).
#include "standby.hpp"

#include <chrono>
#include <map>
#include <thread>

namespace standby {

using sdk::ClusterInfo;
using sdk::cluster_op;
using sdk::first_row;
using sdk::ms_since;

namespace {

// What the digest compares, column by column: a catalog's name and the query of its digest.
const std::vector<std::pair<std::string, std::string>>& digest_columns() {
    static const std::vector<std::pair<std::string, std::string>> cols = {
        {"pg_proc", "SELECT md5(string_agg(oid::text || ':' || proname || ':' || coalesce(prosrc, ''), ',' ORDER BY oid)) "
                    "FROM pg_catalog.pg_proc"},
        {"pg_type", "SELECT md5(string_agg(oid::text || ':' || typname, ',' ORDER BY oid)) FROM pg_catalog.pg_type"},
        {"pg_class", "SELECT md5(string_agg(oid::text || ':' || relname, ',' ORDER BY oid)) FROM pg_catalog.pg_class"},
        {"pg_namespace", "SELECT md5(string_agg(oid::text || ':' || nspname, ',' ORDER BY oid)) FROM pg_catalog.pg_namespace"},
        {"catalog_version_no", "SELECT catalog_version_no::text FROM pg_catalog.pg_control_system()"},
    };
    return cols;
}

// One query giving every digest column of a database.
std::string digest_query() {
    std::string q = "SELECT ";
    for (size_t i = 0; i < digest_columns().size(); ++i) q += (i ? ", (" : "(") + digest_columns()[i].second + ")";
    return q;
}


}  // namespace

// Polls the replica every 200 ms until it streams and replayed the primary's current position.
CatchUp wait_for_catchup(Job& job) {
    CatchUp c;
    c.primary_lsn = first_row(*job.ctx, job.primary, "postgres", "SELECT pg_current_wal_lsn()::text").at(0);
    const std::string q = "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none'), "
                          "coalesce(pg_last_wal_replay_lsn()::text, ''), "
                          "coalesce((pg_last_wal_replay_lsn() >= '" + c.primary_lsn + "'::pg_lsn)::text, 'false'), "
                          "pg_is_in_recovery()::text";
    auto t0 = std::chrono::steady_clock::now();
    std::string last_error;
    for (;;) {
        job.ctx->check_cancelled();
        bool in_recovery = true, caught_up = false;
        try {  // a standby refuses connections until it is consistent: retry
            auto r = first_row(*job.ctx, job.name, "postgres", q);
            c.receiver_status = r.at(0);
            c.replay_lsn = r.at(1);
            caught_up = c.receiver_status == "streaming" && r.at(2) == "true";
            in_recovery = r.at(3) == "true";
            last_error.clear();
        } catch (const sdk::Failure& f) {
            last_error = f.what();
        }
        if (!in_recovery)
            throw sdk::Failure(PGORCH_ERR_FAILED, "cluster \"" + job.name + "\" is not in recovery: it is no standby (server log \"" +
                                                      server_log_of(job, job.name) + "\")");
        if (caught_up) break;
        if (ms_since(t0) > job.timeout_s * 1000)
            throw sdk::Failure(PGORCH_ERR_FAILED,
                               "replica \"" + job.name + "\" did not catch up with \"" + job.primary + "\" within " +
                                   std::to_string(static_cast<long>(job.timeout_s)) + " s (wal receiver \"" + c.receiver_status +
                                   "\", replayed \"" + c.replay_lsn + "\", primary at \"" + c.primary_lsn + "\"" +
                                   (last_error.empty() ? "" : ", last error: " + last_error) + "); see its server log \"" +
                                   server_log_of(job, job.name) + "\"");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    c.wait_ms = ms_since(t0);
    job.note("replica \"" + job.name + "\" streams and replayed " + c.replay_lsn + " >= primary " + c.primary_lsn + " in " +
             std::to_string(static_cast<long>(c.wait_ms)) + " ms");
    return c;
}

// The replica exists, streams, is in recovery, caught up; its catalogs equal the primary's.
json::value run_sync(Job& job) {
    auto t0 = std::chrono::steady_clock::now();
    sdk::Context& ctx = *job.ctx;
    ClusterInfo info;
    try {
        info = cluster_op(ctx, "info", job.name);
    } catch (const sdk::Failure&) {
        throw sdk::Failure(PGORCH_ERR_INVALID, "replica \"" + job.name + "\" does not exist in this run (a standby step in mode "
                                               "create makes it, with the same \"name\")");
    }
    const std::string log = info.server_log;
    ClusterInfo p = cluster_op(ctx, "info", job.primary);
    if (!p.running) cluster_op(ctx, "start", job.primary);
    if (!info.running) {
        try {
            cluster_op(ctx, "start", job.name);
        } catch (const sdk::Failure& f) {
            throw sdk::Failure(PGORCH_ERR_FAILED, "replica \"" + job.name + "\" does not start: " + f.what() + " (server log \"" +
                                                      log + "\")");
        }
    }
    CatchUp c = wait_for_catchup(job);

    // The same connectable databases on both sides, then the digests of each.
    const std::string dbq = "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1";
    auto dbs = sdk::first_column(ctx, job.primary, "postgres", dbq);
    auto rdbs = sdk::first_column(ctx, job.name, "postgres", dbq);
    if (dbs != rdbs)
        throw sdk::Failure(PGORCH_ERR_FAILED, "the connectable databases differ: primary \"" + job.primary + "\" has " + sdk::join(dbs, ", ") +
                                                  ", replica \"" + job.name + "\" has " + sdk::join(rdbs, ", ") + " (server log \"" + log + "\")");
    const std::string q = digest_query();
    std::vector<std::string> differ;
    std::string catalog_version;
    for (const auto& db : dbs) {
        auto a = first_row(*job.ctx, job.primary, db, q);
        auto b = first_row(*job.ctx, job.name, db, q);
        std::vector<std::string> bad;
        for (size_t i = 0; i < digest_columns().size(); ++i)
            if (a.at(i) != b.at(i) || a.at(i).empty()) bad.push_back(digest_columns()[i].first);
        catalog_version = b.at(digest_columns().size() - 1);
        std::vector<std::string> names;
        for (const auto& col : digest_columns()) names.push_back(col.first);
        if (bad.empty())
            job.note("database \"" + db + "\": digests equal (" + sdk::join(names, ", ") + "; catalog version " + catalog_version + ")");
        else {
            job.note("database \"" + db + "\": digests DIFFER in " + sdk::join(bad, ", "));
            differ.push_back("catalog \"" + bad.front() + "\" of database \"" + db + "\"" +
                             (bad.size() > 1 ? " (and " + std::to_string(bad.size() - 1) + " more)" : ""));
        }
    }
    if (!differ.empty())
        throw sdk::Failure(PGORCH_ERR_FAILED, "replica \"" + job.name + "\" does not match primary \"" + job.primary + "\": " +
                                                  sdk::join(differ, ", ") + " (server log \"" + log + "\")");
    auto sv = first_row(*job.ctx, job.name, "postgres", "SELECT current_setting('server_version')");
    ClusterInfo r = cluster_op(ctx, "info", job.name);
    job.note("replica \"" + job.name + "\" follows \"" + job.primary + "\": " + std::to_string(dbs.size()) +
             " database(s) compared, server version " + sv.at(0) + ", binaries " + r.bindir);
    json::object metrics{{"mode", "sync"},
                         {"replica", job.name},
                         {"port", r.port},
                         {"lag_ms", c.wait_ms},
                         {"replay_lsn", c.replay_lsn},
                         {"databases_compared", dbs.size()},
                         {"catalog_version", catalog_version},
                         {"replica_server_version", sv.at(0)},
                         {"replica_bindir", r.bindir},
                         {"duration_ms", ms_since(t0)}};
    sdk::StepResult out;
    out.cluster = job.primary;
    out.verify = {job.name};
    out.metrics = std::move(metrics);
    out.logs = {job.prefix + "standby.log"};
    return out.to_json();
}

}  // namespace standby
