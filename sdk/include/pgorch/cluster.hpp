// pgorch SDK: clusters and SQL through the host's cluster and sql services, typed. A plugin
// writes a ClusterRequest and reads a ClusterInfo, the response of every cluster op but destroy;
// the host reads the request and writes the response with the same types (sdk/README.md,
// "cluster"). The SQL helpers read the sql service's response shape:
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

// Version of the cluster request/response contract below.
inline constexpr int kClusterContract = 1;

// One request of the cluster service. Which fields an op reads:
//   create {install, initdb_args, port}: a new cluster, initialized (initdb), not started;
//   adopt {install, datadir, port}: a data folder made elsewhere (a pg_basebackup) becomes a cluster;
//   start, restart {mode, timeout_s}, stop {mode, timeout_s}, status, info;
//   use_install {install}: the (stopped) cluster runs another installation from now on;
//   configure {file}: a postgresql.conf fragment is included; set_parameter {name, value};
//   destroy: stopped and its data folder removed (the response is {"destroyed": id}).
struct ClusterRequest {
    std::string op;
    std::string cluster;                   // the cluster's id (valid_cluster_id)
    json::object install;                  // an install layout (InstallLayout's fields)
    std::vector<std::string> initdb_args;  // create: a list, or one text split on blanks
    int port = 0;                          // create, adopt: 0 picks a free port
    std::string datadir;                   // adopt
    std::string mode;                      // stop, restart: "fast" when empty
    double timeout_s = 0;                  // start, stop, restart: 0 means 60 s
    std::string file;                      // configure
    std::string name, value;               // set_parameter

    json::object to_json() const {
        json::object o{{"op", op}, {"cluster", cluster}};
        if (!install.empty()) o["install"] = install;
        if (!initdb_args.empty()) {
            json::array a;
            for (const auto& w : initdb_args) a.emplace_back(w);
            o["initdb_args"] = std::move(a);
        }
        if (port) o["port"] = port;
        if (!datadir.empty()) o["datadir"] = datadir;
        if (!mode.empty()) o["mode"] = mode;
        if (timeout_s > 0) o["timeout_s"] = timeout_s;
        if (!file.empty()) o["file"] = file;
        if (!name.empty()) o["name"] = name;
        if (op == "set_parameter") o["value"] = value;
        return o;
    }
    // Reads a request ("id" is accepted for "cluster"); a field of the wrong type reads as absent.
    static ClusterRequest from_json(const json::object& o) {
        ClusterRequest r;
        r.op = get_string(o, "op");
        r.cluster = get_string(o, "cluster");
        if (r.cluster.empty()) r.cluster = get_string(o, "id");
        r.install = get_object(o, "install");
        if (auto* v = o.if_contains("initdb_args"); v && v->is_array()) {
            for (const auto& x : v->as_array())
                if (x.is_string()) r.initdb_args.emplace_back(x.as_string());
        } else if (v && v->is_string()) {
            std::string_view t = v->as_string();
            std::size_t pos = 0;
            while (pos < t.size()) {
                std::size_t end = t.find_first_of(" \t\n", pos);
                if (end == std::string_view::npos) end = t.size();
                if (end > pos) r.initdb_args.emplace_back(t.substr(pos, end - pos));
                pos = end + 1;
            }
        }
        if (auto* p = o.if_contains("port"); p && p->is_number()) r.port = static_cast<int>(p->to_number<double>());
        r.datadir = get_string(o, "datadir");
        r.mode = get_string(o, "mode");
        if (auto* t = o.if_contains("timeout_s"); t && t->is_number()) r.timeout_s = t->to_number<double>();
        r.file = get_string(o, "file");
        r.name = get_string(o, "name");
        r.value = get_string(o, "value");
        return r;
    }
};

// A cluster as the cluster service describes it.
struct ClusterInfo {
    std::string id, datadir, socket_dir, version, server_log;
    int port = 0;
    bool running = false;
    json::object install;  // the install layout it runs (pgorch/distro.hpp InstallLayout), with "borrowed"
    std::string bindir;    // install.bindir
    json::object raw;      // the whole response

    // The service's response: {"id","datadir","port","socket_dir","server_log","install","running","version"}.
    json::object to_json() const {
        return json::object{{"id", id},
                            {"datadir", datadir},
                            {"port", port},
                            {"socket_dir", socket_dir},
                            {"server_log", server_log},
                            {"install", install},
                            {"running", running},
                            {"version", version}};
    }
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

// One call of the cluster service (every op but destroy).
inline ClusterInfo cluster_op(const Context& ctx, const ClusterRequest& request) {
    return ClusterInfo::from_json(ctx.cluster(request.to_json()));
}
// The same with the request's fields as JSON: cluster_op(ctx, "stop", id, {{"mode", "fast"}}).
inline ClusterInfo cluster_op(const Context& ctx, const std::string& op, const std::string& id, json::object extra = {}) {
    extra["op"] = op;
    extra["cluster"] = id;
    return cluster_op(ctx, ClusterRequest::from_json(extra));
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
