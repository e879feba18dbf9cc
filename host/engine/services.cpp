#include "engine/services.hpp"

#include "cluster/libpq.hpp"
#include "core/files.hpp"
#include "engine/schema_compare.hpp"

#include <pgorch/cluster.hpp>
#include <pgorch/distro.hpp>

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace pgorch::engine {

namespace json = boost::json;
using plugins::ServiceResult;

int32_t status_of(const Error& e) { return errors::status_of_exit(static_cast<int>(e.code)); }

namespace {

ServiceResult fail(const Error& e) {
    std::string m = e.message;
    if (!e.hint.empty()) m += " (" + e.hint + ")";
    return ServiceResult::fail(status_of(e), m);
}

std::string str(const json::object& o, std::string_view key, std::string fallback = {}) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->as_string());
    return fallback;
}

double num(const json::object& o, std::string_view key, double fallback) {
    if (auto* v = o.if_contains(key); v && v->is_number()) return v->to_number<double>();
    return fallback;
}

}  // namespace

RunServices::RunServices(runtime::Runtime& rt, cluster::ClusterManager& clusters, ProvisionFn provision,
                         std::map<std::string, std::string> settings, fs::path results_dir, std::atomic<bool>& cancel)
    : rt_(rt), clusters_(clusters), provision_(std::move(provision)), settings_(std::move(settings)),
      results_dir_(std::move(results_dir)), cancel_(cancel) {}

void RunServices::log(std::string_view plugin, int32_t level, std::string_view message) {
    auto lvl = level <= PGORCH_LOG_TRACE ? spdlog::level::trace
               : level == PGORCH_LOG_DEBUG ? spdlog::level::debug
               : level == PGORCH_LOG_INFO  ? spdlog::level::info
               : level == PGORCH_LOG_WARN  ? spdlog::level::warn
                                           : spdlog::level::err;
    spdlog::log(lvl, "[{}] {}", plugin, message);
}

void RunServices::progress(std::string_view plugin, double fraction, std::string_view message) {
    // Progress is frequent (every repetition of a timing query): the log file keeps it, the
    // console shows it with -v.
    if (fraction >= 0) spdlog::debug("[{}] {:.0f}% {}", plugin, fraction * 100, message);
    else spdlog::debug("[{}] {}", plugin, message);
}

// Runs a command for a plugin on the run's runtime.
ServiceResult RunServices::exec(std::string_view plugin, const json::object& request) {
    runtime::ExecRequest req;
    if (auto* a = request.if_contains("argv"); a && a->is_array())
        for (const auto& x : a->as_array()) {
            if (!x.is_string()) return ServiceResult::fail(PGORCH_ERR_INVALID, "exec: \"argv\" must hold strings only");
            req.argv.emplace_back(x.as_string());
        }
    if (req.argv.empty()) return ServiceResult::fail(PGORCH_ERR_INVALID, "exec: \"argv\" is missing or empty");
    if (auto* e = request.if_contains("env"); e && e->is_object())
        for (const auto& [k, v] : e->as_object())
            if (v.is_string()) req.env[std::string(k)] = std::string(v.as_string());
    req.cwd = str(request, "cwd");
    req.timeout_s = num(request, "timeout_s", 0);
    std::string as = str(request, "as", "postgres");
    if (as != "postgres" && as != "invoker")
        return ServiceResult::fail(PGORCH_ERR_INVALID, "exec: \"as\" must be \"postgres\" or \"invoker\", not \"" + as + "\"");
    req.as = as == "invoker" ? runtime::RunAs::invoker : runtime::RunAs::service_user;
    req.stdin_data = str(request, "stdin");
    req.log_tag = std::string(plugin) + ": " + fs::path(req.argv.front()).filename().string();
    auto r = rt_.exec(req);
    if (!r) return fail(r.error());
    if (r->cancelled) return ServiceResult::fail(PGORCH_ERR_CANCELLED, "interrupted");
    return ServiceResult::ok(json::object{{"exit_code", r->exit_code},
                                          {"stdout", r->out},
                                          {"stderr", r->err},
                                          {"duration_ms", r->duration_ms},
                                          {"timed_out", r->timed_out}});
}

ServiceResult RunServices::sql(std::string_view, const json::object& request) {
    std::string id = str(request, "cluster");
    cluster::Cluster* c = clusters_.find(id);
    if (!c) return ServiceResult::fail(PGORCH_ERR_INVALID, "sql: cluster \"" + id + "\" does not exist");
    auto* keep = request.if_contains("keep_session");
    cluster::SqlDiagnostics diag;
    auto r = c->sql(str(request, "database", "postgres"), str(request, "sql"), num(request, "timeout_s", 0),
                    keep && keep->is_bool() && keep->as_bool(), &diag);
    json::object extra = diag.to_json();
    if (!r) {
        ServiceResult out = fail(r.error());
        for (auto& [k, v] : extra) out.response.as_object()[k] = std::move(v);
        return out;
    }
    json::object o = r->to_json();
    if (auto* n = extra.if_contains("notices")) o["notices"] = std::move(*n);
    return ServiceResult::ok(std::move(o));
}

namespace {

// A runner on fresh sessions of a cluster, apart from the sessions a plugin keeps (a snapshot
// pins its own settings, such as search_path, on every session it uses).
SqlRunner fresh_runner(cluster::Cluster& c) {
    return [&c](const std::string& db, const std::string& text) { return cluster::run_sql(c.conninfo(db), text); };
}

// One side of a comparison: {"cluster", "database"} (snapshotted now) or {"snapshot": {...}}
// (what the snapshot op returned earlier).
Expected<Snapshot> side_of(cluster::ClusterManager& clusters, const json::value* side, const VerifyRules& rules,
                           const char* name) {
    if (!side || !side->is_object()) return Error::invalid(std::string("cluster compare: \"") + name + "\" is missing");
    const json::object& o = side->as_object();
    if (auto* snap = o.if_contains("snapshot")) return Snapshot::from_json(*snap);
    std::string id = str(o, "cluster");
    cluster::Cluster* c = clusters.find(id);
    if (!c) return Error::invalid(std::string("cluster compare: \"") + name + "\": cluster \"" + id + "\" does not exist");
    return database_snapshot(fresh_runner(*c), str(o, "database", "postgres"), rules);
}

// The schema ops of the cluster service: "snapshot" (one database's schema model) and
// "compare" (two databases, or a database and an earlier snapshot).
ServiceResult schema_op(cluster::ClusterManager& clusters, const std::string& op, const json::object& request) {
    auto options = SchemaCompareOptions::from_json(request);
    if (!options) return fail(options.error());
    auto rules = options->rules();
    if (!rules) return fail(rules.error());
    if (op == "snapshot") {
        const json::value side = json::object{{"cluster", str(request, "cluster")}, {"database", str(request, "database", "postgres")}};
        auto snap = side_of(clusters, &side, *rules, "cluster");
        if (!snap) return fail(snap.error());
        return ServiceResult::ok(snap->to_json());
    }
    auto a = side_of(clusters, request.if_contains("a"), *rules, "a");
    if (!a) return fail(a.error());
    auto b = side_of(clusters, request.if_contains("b"), *rules, "b");
    if (!b) return fail(b.error());
    Verdict v = compare(*a, *b, *rules, options->words);
    tidy_comparison(v);
    return ServiceResult::ok(comparison_json(v));
}

}  // namespace

// Cluster control; every op but destroy answers with the cluster's info.
ServiceResult RunServices::cluster(std::string_view plugin, const json::object& request) {
    const sdk::ClusterRequest rq = sdk::ClusterRequest::from_json(request);
    const std::string& op = rq.op;
    if (op == "snapshot" || op == "compare") return schema_op(clusters_, op, request);
    const std::string& id = rq.cluster;
    auto install_of = [&]() -> Expected<cluster::Install> {
        if (!request.contains("install")) return Error::invalid("cluster " + op + ": \"install\" is missing");
        return cluster::Install::from_json(request.at("install"));
    };
    if (op == "create" || op == "adopt") {
        auto in = install_of();
        if (!in) return fail(in.error());
        cluster::ClusterSpec spec;
        spec.id = id;
        spec.install = *in;
        spec.initdb_args = rq.initdb_args;
        spec.port = rq.port;
        spec.datadir = rq.datadir;
        if (op == "adopt") {
            auto c = clusters_.adopt(std::move(spec));
            if (!c) return fail(c.error());
            return ServiceResult::ok((*c)->info());
        }
        auto c = clusters_.create(std::move(spec));
        if (!c) return fail(c.error());
        if (Status st = (*c)->init(); !st) {
            (void)clusters_.destroy(id);
            return fail(st.error());
        }
        return ServiceResult::ok((*c)->info());
    }
    cluster::Cluster* c = clusters_.find(id);
    if (!c) return ServiceResult::fail(PGORCH_ERR_INVALID, "cluster " + op + ": cluster \"" + id + "\" does not exist");
    const double timeout = rq.timeout_s > 0 ? rq.timeout_s : 60;
    const std::string mode = rq.mode.empty() ? "fast" : rq.mode;
    Status st;
    if (op == "start") st = c->start(timeout);
    else if (op == "stop") st = c->stop(mode, timeout);
    else if (op == "restart") {
        st = c->stop(mode, timeout);
        if (st) st = c->start(timeout);
    } else if (op == "status") st = c->running() ? c->check_alive() : Status{};
    else if (op == "info") {
    } else if (op == "use_install") {
        auto in = install_of();
        if (!in) return fail(in.error());
        c->use_install(*in);
    } else if (op == "configure") st = c->configure(rq.file);
    else if (op == "set_parameter") st = c->set_parameter(rq.name, rq.value);
    else if (op == "destroy") {
        st = clusters_.destroy(id);
        if (!st) return fail(st.error());
        return ServiceResult::ok(json::object{{"destroyed", id}});
    } else
        return ServiceResult::fail(PGORCH_ERR_INVALID, "cluster: unknown op \"" + op + "\"");
    if (!st) return fail(st.error());
    return ServiceResult::ok(c->info());
}

ServiceResult RunServices::provision(std::string_view, const json::object& request) {
    if (!provision_) return ServiceResult::unavailable("provision");
    sdk::ProvisionRequest rq;
    try {
        rq = sdk::ProvisionRequest::from_json(request);
    } catch (const sdk::Failure& f) {
        return ServiceResult::fail(f.code(), std::string("provision: ") + f.what());
    }
    auto in = provision_(rq.db_type.empty() ? "pgdg" : rq.db_type, rq.version, rq.edition, rq.packages);
    if (!in) return fail(in.error());
    return ServiceResult::ok(in->to_json());
}

// Writes a file under the results folder; names must stay inside it.
int32_t RunServices::write_artifact(std::string_view plugin, std::string_view name, std::string_view data) {
    fs::path rel(name);
    bool bad = name.empty() || rel.is_absolute();
    for (const auto& part : rel) bad = bad || part == "..";
    if (bad) {
        spdlog::error("[{}] refused artifact name \"{}\": it must be relative and without \"..\"", plugin, name);
        return PGORCH_ERR_INVALID;
    }
    fs::path target = results_dir_ / rel;
    if (Status st = files::write_text(target, data); !st) {
        spdlog::error("[{}] cannot write artifact \"{}\"", plugin, target.string());
        return PGORCH_ERR_ENVIRONMENT;
    }
    return PGORCH_OK;
}

bool RunServices::cancelled() { return cancel_.load(); }

std::optional<std::string> RunServices::setting(std::string_view key) {
    if (auto it = settings_.find(std::string(key)); it != settings_.end()) return it->second;
    if (key == "runtime") return rt_.name();
    if (key == "run_dir") return clusters_.run_dir().string();
    if (key == "results_dir") return results_dir_.string();
    return std::nullopt;
}

}  // namespace pgorch::engine
