// Taking a verification snapshot: the catalog and data queries (see verify.hpp), run as a queue
// of tasks on `jobs` parallel sessions.
#include "engine/verify.hpp"

#include "engine/verify_internal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace pgorch::engine {

using detail::cell;

namespace {

constexpr size_t kBatch = 40;        // small relations per data query (one UNION ALL)
constexpr int64_t kOwnQuery = 128;   // relations of this many pages (1 MB) or more get a query of their own

// Runs `sql` after the session settings; the error names the database.
Expected<cluster::SqlResult> run(const SqlRunner& sql, const std::string& db, const std::string& text) {
    auto r = sql(db, std::string(detail::kSessionSettings) + text);
    if (!r) {
        Error e = r.error();
        e.message = "db \"" + db + "\": verification query failed: " + e.message;
        return e;
    }
    return r;
}

// Parses an integer cell; 0 when it is not one.
int64_t to_int(const std::string& s) {
    try {
        return s.empty() ? 0 : std::stoll(s);
    } catch (...) {
        return 0;
    }
}

// One query on one database and what to do with its rows (called under the queue's lock; it may
// push more tasks).
struct Task {
    std::string db;
    std::string sql;
    std::function<void(const cluster::SqlResult&)> take;
};

// Tasks run by `jobs` threads; the first error stops the queue.
class TaskQueue {
public:
    explicit TaskQueue(const SqlRunner& sql) : sql_(sql) {}
    void push(Task t) {
        queue_.push_back(std::move(t));
        cv_.notify_one();
    }
    // Runs next: the data queries, so that the longest start as soon as their plan is known.
    void push_front(std::vector<Task> ts) {
        for (auto it = ts.rbegin(); it != ts.rend(); ++it) queue_.push_front(std::move(*it));
        cv_.notify_all();
    }
    // Runs until the queue is empty and nothing runs, or a task failed.
    Status run_all(int jobs) {
        std::vector<std::thread> threads;
        for (int i = 1; i < jobs; ++i) threads.emplace_back([this] { work(); });
        work();
        for (auto& t : threads) t.join();
        if (error_) return *error_;
        return {};
    }
    int queries() const { return queries_; }
    std::mutex& mutex() { return mu_; }

private:
    void work() {
        std::unique_lock lk(mu_);
        while (true) {
            cv_.wait(lk, [&] { return error_ || !queue_.empty() || running_ == 0; });
            if (error_ || queue_.empty()) break;
            Task t = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
            lk.unlock();
            auto r = run(sql_, t.db, t.sql);
            lk.lock();
            --running_;
            ++queries_;
            if (!r) {
                if (!error_) error_ = r.error();
            } else {
                t.take(*r);
            }
            cv_.notify_all();
        }
    }

    const SqlRunner& sql_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Task> queue_;
    int running_ = 0;
    int queries_ = 0;
    std::optional<Error> error_;
};

// Stores one schema row; the two bookkeeping kinds ('~...') go to their own fields.
void take_schema_row(const std::vector<std::optional<std::string>>& row, const VerifyRules& rules, Snapshot& snap,
                     DatabaseSnapshot& d) {
    std::string kind = cell(row, 0);
    if (kind.size() > 1 && kind[0] == '@') snap.globals[kind.substr(1)][cell(row, 1)] = cell(row, 2);
    else if (kind == "~extension_default") snap.extension_defaults[cell(row, 1)] = cell(row, 2);
    else if (kind == "~large_objects") {
        d.large_objects = to_int(cell(row, 1));
        d.large_objects_hash = cell(row, 2);
    } else if (!rules.ignores_kind(kind))
        d.schema[kind][cell(row, 1)] = cell(row, 2);
}

// The data queries of one database: big relations alone, small ones kBatch per query, largest first.
void push_data_tasks(TaskQueue& q, const std::string& db, const detail::DataPlan& plan, int v, const VerifyRules& rules,
                     const Snapshot* like, DatabaseSnapshot& out) {
    const DatabaseSnapshot* before = nullptr;
    if (like)
        if (auto it = like->databases.find(db); it != like->databases.end()) before = &it->second;
    std::vector<std::pair<int64_t, std::string>> selects;  // (pages, SELECT)
    for (const auto& rel : plan.relations) {
        if (rel.kind == 'S') {
            if (!rules.ignores_kind("sequence_values")) selects.emplace_back(0, detail::relation_select(rel, nullptr));
            continue;
        }
        if (rules.ignores_kind("rows")) continue;
        if (rules.ignores("row_content", db, rel.name)) {
            selects.emplace_back(rel.pages, detail::relation_select(rel, nullptr));
            continue;
        }
        std::string hint;
        if (before)
            if (auto it = before->tables.find(rel.name); it != before->tables.end()) hint = it->second.method;
        detail::RowHash h = detail::row_hash(rel, plan.types, v, hint);
        selects.emplace_back(rel.pages, detail::relation_select(rel, &h));
    }
    std::stable_sort(selects.begin(), selects.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    auto take = [&out](const cluster::SqlResult& r) {
        for (const auto& row : r.rows) {
            if (cell(row, 0) == "S") {
                std::string v = cell(row, 3);
                auto colon = v.rfind(':');
                out.sequences[cell(row, 1)] = SequenceValue{v.substr(0, colon), colon != std::string::npos && v.substr(colon + 1) == "true"};
            } else {
                out.tables[cell(row, 1)] = TableFingerprint{to_int(cell(row, 2)), cell(row, 3), cell(row, 4)};
            }
        }
    };
    std::vector<Task> tasks;
    std::string batch;
    size_t in_batch = 0;
    for (const auto& [pages, select] : selects) {
        if (pages >= kOwnQuery) {
            tasks.push_back({db, select, take});
            continue;
        }
        batch += (batch.empty() ? "" : "\nUNION ALL\n") + select;
        if (++in_batch == kBatch) {
            tasks.push_back({db, batch, take});
            batch.clear();
            in_batch = 0;
        }
    }
    if (!batch.empty()) tasks.push_back({db, batch, take});
    q.push_front(std::move(tasks));
}

}  // namespace

// A SqlRunner on a cluster's libpq sessions.
SqlRunner sql_runner(cluster::Cluster& c, double timeout_s, bool keep_sessions) {
    return [&c, timeout_s, keep_sessions](const std::string& db, const std::string& text) {
        return c.sql(db, text, timeout_s, keep_sessions);
    };
}

// True when the server's version string starts with the expected version as a whole word.
bool version_matches(std::string_view server_version, std::string_view expected) {
    if (expected.empty()) return true;
    if (server_version.substr(0, expected.size()) != expected) return false;
    if (server_version.size() == expected.size()) return true;
    char next = server_version[expected.size()];
    return next == ' ' || next == '(';
}

// Connects, reads SHOW server_version and compares it to the target.
Status check_server(const SqlRunner& sql, const std::string& expected_version) {
    auto r = sql("postgres", "SHOW server_version");
    if (!r)
        return Error::of(errors::Code::server_failed, "the server does not accept connections: " + r.error().message);
    std::string v = r->rows.empty() ? std::string() : cell(r->rows[0], 0);
    if (!version_matches(v, expected_version))
        return Error::of(errors::Code::server_failed,
                         "the server runs version \"" + v + "\", expected \"" + expected_version + "\"");
    return {};
}

// Snapshots the globals and every connectable non-template database.
Expected<Snapshot> take_snapshot(const SqlRunner& sql, const VerifyRules& rules, const Snapshot* like,
                                 const SnapshotScope& scope) {
    auto t0 = std::chrono::steady_clock::now();
    Snapshot snap;
    auto v = sql("postgres",
                 "SELECT current_setting('server_version'), current_setting('server_version_num'), datname FROM pg_database"
                 " WHERE NOT datistemplate AND datallowconn ORDER BY 3");
    if (!v)
        return Error::of(errors::Code::server_failed, "the server does not accept connections: " + v.error().message);
    std::vector<std::string> dbs;
    for (const auto& row : v->rows) {
        snap.server_version = cell(row, 0);
        snap.server_version_num = static_cast<int>(to_int(cell(row, 1)));
        if (scope.databases.empty() || std::count(scope.databases.begin(), scope.databases.end(), cell(row, 2)))
            dbs.push_back(cell(row, 2));
    }
    for (const auto& want : scope.databases)
        if (std::find(dbs.begin(), dbs.end(), want) == dbs.end())
            return Error::failed("database \"" + want + "\" does not exist or does not accept connections");
    for (const auto& db : dbs) snap.databases[db];  // the map's nodes stay put while tasks fill them
    const int ver = snap.server_version_num;
    // First the plans: their data queries go to the front of the queue as they come, and the
    // catalog query of their database, left of the kinds it has nothing of, to the back, so
    // that it runs beside the data. The globals ride on database postgres's catalog query.
    TaskQueue q(sql);
    const std::string globals = scope.globals ? detail::globals_query(ver, rules) : std::string();
    const bool globals_alone = std::find(dbs.begin(), dbs.end(), "postgres") == dbs.end();
    DatabaseSnapshot none;  // the globals' rows all go to snap.globals
    if (!globals.empty() && globals_alone) q.push({"postgres", globals, [&](const cluster::SqlResult& r) {
        for (const auto& row : r.rows) take_schema_row(row, rules, snap, none);
    }});
    auto catalog = [&](const std::string& db, const std::set<std::string>& empty) {
        std::string s = detail::schema_query(ver, rules, empty);
        if (db == "postgres" && !globals.empty()) s += (s.empty() ? "" : "\nUNION ALL\n") + globals;
        if (s.empty()) return;
        DatabaseSnapshot& d = snap.databases[db];
        q.push({db, s, [&](const cluster::SqlResult& r) {
                    for (const auto& row : r.rows) take_schema_row(row, rules, snap, d);
                }});
    };
    const bool data = !rules.ignores_kind("rows") || !rules.ignores_kind("sequence_values");
    for (const auto& db : dbs) {
        if (!data) {
            catalog(db, {});
            continue;
        }
        q.push({db, detail::plan_query(ver), [&, db](const cluster::SqlResult& r) {
                    detail::DataPlan plan = detail::parse_plan(r);
                    push_data_tasks(q, db, plan, ver, rules, like, snap.databases[db]);
                    catalog(db, plan.empty_kinds);
                }});
    }
    int jobs = rules.jobs > 0 ? rules.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (Status s = q.run_all(jobs); !s) return s.error();
    if (!rules.exclude_schemas.empty())
        for (auto& [db, d] : snap.databases) exclude_schemas(d, rules.exclude_schemas);
    snap.queries = q.queries() + 1;
    snap.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return snap;
}

}  // namespace pgorch::engine
