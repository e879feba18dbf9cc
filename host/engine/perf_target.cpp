#include "engine/perf_target.hpp"

#include "cluster/cluster.hpp"
#include "cluster/scripts.hpp"
#include "core/args.hpp"
#include "core/files.hpp"
#include "engine/provision.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"

#include <pgorch/perf.hpp>
#include <pgorch/util.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace pgorch::engine::perf {

namespace json = boost::json;
using report::CaseResult;
using report::ScriptRun;
using report::TargetResult;

namespace {

using Clock = std::chrono::steady_clock;

using sdk::ms_since;

// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Everything one target's steps need.
struct TargetRun {
    RunContext& ctx;
    const PerfPlugins& plugins;
    cluster::Cluster* cluster = nullptr;
    fs::path log_dir;
    TargetResult& out;

    bool cancelled() const { return ctx.cancelled(); }
    ScriptRun script(const std::string& kind, const scenario::FileRef& file);
    void run_case(const scenario::PerfCase& pc, CaseResult& cr);
    report::ExplainResult explain(const scenario::ExplainQuery& q);
    report::TimingResult timing(const scenario::TimingQuery& q);
    std::optional<plugins::CallOutcome> call(plugins::Plugin* p, const json::object& input);
};

// Runs a script with the cluster's client environment; its whole output goes to its own log file.
ScriptRun TargetRun::script(const std::string& kind, const scenario::FileRef& file) {
    ScriptRun s;
    s.kind = kind;
    s.name = file.as_written;
    spdlog::info("[{}] {} \"{}\"", cluster->id(), kind, file.as_written);
    auto r = cluster::run_script(*ctx.runtime, file.path, cluster->client_env(), {}, 0);
    if (!r) {
        s.error = r.error().message;
        return s;
    }
    s.exit_code = r->exit_code;
    s.timed_out = r->timed_out;
    s.duration_ms = r->duration_ms;
    s.ok = r->ok();
    std::string output = r->out + r->err;
    s.output_tail = sdk::last_lines(output, 20);
    std::string flat = file.as_written;
    for (char& c : flat)
        if (c == '/') c = '_';
    fs::path log = log_dir / (kind + "-" + flat + ".log");
    if (Status st = files::write_text(log, "# " + file.path.string() + "\n--- stdout\n" + r->out + "--- stderr\n" + r->err);
        !st)
        spdlog::warn("{}", st.error().str());
    s.log = log.string();
    if (Status st = cluster::script_failure(file.path, *r); !st) s.error = st.error().message;
    return s;
}

// Calls a step plugin's run(); nullopt when the run was interrupted.
std::optional<plugins::CallOutcome> TargetRun::call(plugins::Plugin* p, const json::object& input) {
    plugins::CallOutcome o = p->call(plugins::Callback::run, *ctx.services, input);
    if (o.status == PGORCH_ERR_CANCELLED || cancelled()) return std::nullopt;
    return o;
}

// One explain query through the explain plugin; the expected files are read here, by the host.
report::ExplainResult TargetRun::explain(const scenario::ExplainQuery& q) {
    report::ExplainResult x;
    x.query = q.query.as_written;
    auto text = read_file(q.query.path);
    if (!text) {
        x.verdict = sdk::PlanVerdict::error;
        x.error = "cannot read query file \"" + q.query.as_written + "\"";
        return x;
    }
    sdk::PlanCheckInput in;
    in.cluster = cluster->id();
    in.query_file = q.query.as_written;
    in.query = *text;
    for (const scenario::FileRef& e : q.expected) in.expected.push_back({e.as_written, e.path.string(), read_file(e.path)});
    in.options = plugins.plan.options;
    in.bless = ctx.options.bless;
    auto o = call(plugins.plan.plugin, in.to_json());
    if (!o) {
        x.error = "interrupted";
        return x;
    }
    if (!o->ok() || !o->result.is_object()) {
        x.verdict = sdk::PlanVerdict::error;
        x.error = o->error.empty() ? "plugin \"" + plugins.plan.plugin->name() + "\" gave no result" : o->error;
        spdlog::error("[{}] explain \"{}\": {}", cluster->id(), x.query, x.error);
        return x;
    }
    const sdk::PlanCheckResult r = sdk::PlanCheckResult::from_json(o->result);
    x.detail = o->result.as_object();
    x.verdict = r.result;
    x.matched_expected_file = r.matched_expected_file;
    return x;
}

// One timing query through the timing plugin.
report::TimingResult TargetRun::timing(const scenario::TimingQuery& q) {
    report::TimingResult t;
    t.query = q.query.as_written;
    auto text = read_file(q.query.path);
    if (!text) {
        t.verdict = sdk::TimingVerdict::error;
        t.error = "cannot read query file \"" + q.query.as_written + "\"";
        return t;
    }
    sdk::TimingCheckInput in;
    in.cluster = cluster->id();
    in.query_file = q.query.as_written;
    in.query = *text;
    in.expected_time_ms = q.expected_time_ms;
    in.performance_coefficient = ctx.scenario->performance_coefficient;
    in.options = plugins.timing.options;
    auto o = call(plugins.timing.plugin, in.to_json());
    if (!o) {
        t.error = "interrupted";
        return t;
    }
    if (!o->ok() || !o->result.is_object()) {
        t.verdict = sdk::TimingVerdict::error;
        t.error = o->error.empty() ? "plugin \"" + plugins.timing.plugin->name() + "\" gave no result" : o->error;
        spdlog::error("[{}] timing \"{}\": {}", cluster->id(), t.query, t.error);
        return t;
    }
    const sdk::TimingCheckResult r = sdk::TimingCheckResult::from_json(o->result);
    t.detail = o->result.as_object();
    t.verdict = r.result;
    t.success = r.success;
    return t;
}

// pre_hook, explain queries, timing queries, post_hook. A failed hook fails the case: the
// queries after it are "not run" and the post_hook is skipped after a failed pre_hook.
void TargetRun::run_case(const scenario::PerfCase& pc, CaseResult& cr) {
    auto t0 = Clock::now();
    cr.name = pc.name.value;
    for (const auto& q : pc.explain_queries) cr.explain.emplace_back().query = q.query.as_written;
    for (const auto& q : pc.timing_queries) cr.timing.emplace_back().query = q.query.as_written;
    auto hook = [&](const char* kind, const std::optional<scenario::FileRef>& f) {
        if (!f) return true;
        cr.hooks.push_back(script(kind, *f));
        if (cr.hooks.back().ok) return true;
        const ScriptRun& h = cr.hooks.back();
        std::string why = h.timed_out ? "timed out" : h.exit_code >= 0 ? "exited with code " + std::to_string(h.exit_code) : h.error;
        cr.error = std::string(kind) + " \"" + f->as_written + "\" " + why;  // the output is in the hook's record
        spdlog::error("[{}] case \"{}\": {}", cluster->id(), cr.name, h.error);
        return false;
    };
    if (hook("pre_hook", pc.pre_hook)) {
        for (std::size_t i = 0; i < pc.explain_queries.size() && !cancelled(); ++i)
            cr.explain[i] = explain(pc.explain_queries[i]);
        for (std::size_t i = 0; i < pc.timing_queries.size() && !cancelled(); ++i)
            cr.timing[i] = timing(pc.timing_queries[i]);
        if (!cancelled()) hook("post_hook", pc.post_hook);
    }
    cr.duration_ms = ms_since(t0);
}

}  // namespace

// "t<n>-<version>", with characters a cluster id cannot hold replaced by '_'.
std::string target_cluster_id(std::size_t index, const std::string& version) {
    std::string id = "t" + std::to_string(index + 1) + "-" + version;
    for (char& c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
    return id.substr(0, 64);
}

// Cluster, setup scripts and configuration, then the cases in order, on the provisioned `install`.
TargetResult run_target(RunContext& ctx, const scenario::DbTarget& target, std::size_t index,
                        const cluster::Install& install, const PerfPlugins& plugins) {
    auto t0 = Clock::now();
    const scenario::Scenario& sc = *ctx.scenario;
    TargetResult out;
    out.db_type = target.db_type.empty() ? "pgdg" : target.db_type.value;
    out.written = target.db_version.value;
    out.version = install.version;
    out.exact_version = install.server();
    out.install = install.to_json();
    if (target.db_edition) out.edition = target.db_edition->value;
    out.cluster_id = target_cluster_id(index, out.version);
    auto finish = [&](std::optional<Error> e) {
        if (e && !out.error) out.error = std::move(e);
        out.duration_ms = ms_since(t0);
        if (out.error) spdlog::error("[{}] {}", out.cluster_id, out.error->message);
        return out;
    };
    if (ctx.cancelled()) return finish(Error::of(errors::Code::interrupted, "interrupted"));

    cluster::ClusterSpec spec;
    spec.id = out.cluster_id;
    spec.install = install;
    if (target.db_port) {  // the seed's "port of the database on the host": honoured, never moved
        spec.port = *target.db_port;
        spec.fixed_port = true;
    }
    if (auto it = sc.args.find("initdb"); it != sc.args.end()) {
        auto words = split_args(it->second.value);
        if (!words) return finish(Error(words.error()).at(it->second.where));
        spec.initdb_args = *words;
    }
    auto created = ctx.clusters->create(spec);
    if (!created) return finish(created.error());
    cluster::Cluster* cl = *created;
    out.server_log = cl->server_log().string();
    fs::path log_dir = ctx.run_dir / "logs" / out.cluster_id;
    std::error_code ec;
    fs::create_directories(log_dir, ec);
    out.log_dir = log_dir.string();
    TargetRun run{ctx, plugins, cl, log_dir, out};

    // Each setup step: an Error (or a failed script) ends the target.
    auto step = [&](const std::string& what, Status st) -> std::optional<Error> {
        if (st) return std::nullopt;
        Error e = st.error();
        e.message = what + ": " + e.message;
        return e;
    };
    auto scripts = [&](const char* kind, const std::vector<scenario::FileRef>& files) -> std::optional<Error> {
        for (const auto& f : files) {
            if (ctx.cancelled()) return Error::of(errors::Code::interrupted, "interrupted");
            out.setup.push_back(run.script(kind, f));
            const ScriptRun& s = out.setup.back();
            if (!s.ok)
                return Error::of(errors::Code::script_failed,
                                 std::string(kind) + " \"" + f.as_written + "\" failed: " + s.error);
        }
        return std::nullopt;
    };
    spdlog::info("[{}] {} {} ({}): initdb and start", out.cluster_id, out.db_type, out.version, install.bindir.string());
    if (auto e = step("initdb", cl->init())) return finish(e);
    if (auto e = step("start", cl->start())) return finish(e);
    if (auto e = scripts("initial_script", sc.initial_script)) return finish(e);
    if (sc.configuration) {
        if (auto e = step("configuration \"" + sc.configuration->as_written + "\"", cl->configure(sc.configuration->path)))
            return finish(e);
        if (auto e = step("restart", cl->stop())) return finish(e);
        if (auto e = step("restart", cl->start())) return finish(e);
    }
    if (auto e = scripts("db_initial_script", sc.db_initial_script)) return finish(e);

    for (const scenario::PerfCase& pc : sc.cases) {
        if (ctx.cancelled()) return finish(Error::of(errors::Code::interrupted, "interrupted"));
        spdlog::info("[{}] case \"{}\"", out.cluster_id, pc.name.value);
        out.cases.emplace_back();
        run.run_case(pc, out.cases.back());
    }
    if (ctx.cancelled()) return finish(Error::of(errors::Code::interrupted, "interrupted"));
    if (Status st = cl->stop(); !st) spdlog::warn("[{}] stop: {}", out.cluster_id, st.error().message);
    return finish(std::nullopt);
}

}  // namespace pgorch::engine::perf
