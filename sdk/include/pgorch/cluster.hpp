// pgorch SDK: clusters and SQL through the host's cluster and sql services, typed. ClusterInfo
// is the response of every cluster op but destroy; the host builds that response from the same
// fields (sdk/README.md, "cluster"). The SQL helpers read the sql service's response shape:
// {"columns": [...], "rows": [[text|null, ...], ...], "command": "...", "duration_ms": N}.
#pragma once

#include <pgorch/plugin.hpp>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace pgorch::sdk {

// A cluster id names a folder of the run: 1 to 64 letters, digits, ".", "_" and "-", not "."
// or "..". The host refuses any other id; a plugin checks an id it takes from its options.
inline bool valid_cluster_id(std::string_view id) {
    if (id.empty() || id.size() > 64 || id == "." || id == "..") return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

// A cluster as the cluster service describes it.
struct ClusterInfo {
    std::string id, datadir, socket_dir, version, server_log;
    int port = 0;
    bool running = false;
    json::object install;  // the install layout it runs (pgorch/distro.hpp InstallLayout), with "borrowed"
    std::string bindir;    // install.bindir
    json::object raw;      // the whole response

    static ClusterInfo from_json(const json::value& v) {
        if (!v.is_object()) throw Failure(PGORCH_ERR_FAILED, "the cluster service answered with no object");
        const json::object& o = v.as_object();
        ClusterInfo c;
        c.raw = o;
        c.id = get_string(o, "id");
        c.datadir = get_string(o, "datadir");
        c.socket_dir = get_string(o, "socket_dir");
        c.version = get_string(o, "version");
        c.server_log = get_string(o, "server_log");
        if (auto* p = o.if_contains("port"); p && p->is_number()) c.port = static_cast<int>(p->to_number<int64_t>());
        if (auto* r = o.if_contains("running"); r && r->is_bool()) c.running = r->as_bool();
        c.install = get_object(o, "install");
        c.bindir = get_string(c.install, "bindir");
        return c;
    }
};

// One call of the cluster service: {"op": op, "cluster": id, ...extra}. Ops: create {install,
// initdb_args, port}, adopt {install, datadir}, start, stop {mode}, restart, status, info,
// use_install {install}, configure {file}, set_parameter {name, value}, destroy.
inline ClusterInfo cluster_op(const Context& ctx, const std::string& op, const std::string& id, json::object extra = {}) {
    extra["op"] = op;
    extra["cluster"] = id;
    return ClusterInfo::from_json(ctx.cluster(extra));
}

// The rows of an sql response; throws Failure(FAILED) when it has none.
inline const json::array& rows_of(const json::object& response) {
    const json::value* rows = response.if_contains("rows");
    if (!rows || !rows->is_array())
        throw Failure(PGORCH_ERR_FAILED, "unexpected sql response: " + json::serialize(response).substr(0, 300));
    return rows->as_array();
}

// The cells of one row as text (SQL NULL -> "").
inline std::vector<std::string> row_text(const json::value& row) {
    std::vector<std::string> out;
    if (row.is_array())
        for (const auto& c : row.as_array()) out.push_back(c.is_string() ? std::string(c.as_string()) : std::string());
    return out;
}

// The first row of a query as text cells; throws Failure(FAILED) when there is no row.
inline std::vector<std::string> first_row(const Context& ctx, const std::string& cluster, const std::string& db,
                                          const std::string& query) {
    const json::object r = ctx.sql(cluster, db, query);
    const json::array& rows = rows_of(r);
    if (rows.empty() || !rows[0].is_array())
        throw Failure(PGORCH_ERR_FAILED, "no row from \"" + cluster + "\" (" + db + "): " + query.substr(0, 80));
    return row_text(rows[0]);
}

// The first cell of a query's first row; "" when it is NULL or there is no row.
inline std::string sql_value(const Context& ctx, const std::string& cluster, const std::string& query,
                             const std::string& db = "postgres") {
    const json::object r = ctx.sql(cluster, db, query);
    const json::array& rows = rows_of(r);
    if (rows.empty() || !rows[0].is_array() || rows[0].as_array().empty() || !rows[0].as_array()[0].is_string()) return {};
    return std::string(rows[0].as_array()[0].as_string());
}

// The first cell of every row (NULLs skipped).
inline std::vector<std::string> first_column(const Context& ctx, const std::string& cluster, const std::string& db,
                                             const std::string& query) {
    const json::object r = ctx.sql(cluster, db, query);
    std::vector<std::string> out;
    for (const auto& row : rows_of(r))
        if (row.is_array() && !row.as_array().empty() && row.as_array()[0].is_string())
            out.emplace_back(row.as_array()[0].as_string());
    return out;
}

}  // namespace pgorch::sdk
