// The upgrade chain: first cluster, scripts, step plugin calls and verification after each step.
#include "engine/upgrade_steps.hpp"

#include "cluster/cluster.hpp"
#include "cluster/scripts.hpp"
#include "core/args.hpp"
#include "core/files.hpp"
#include "engine/provision.hpp"
#include "engine/services.hpp"
#include "plugins/registry.hpp"

#include <pgorch/step.hpp>
#include <pgorch/util.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace pgorch::engine {

namespace json = boost::json;

namespace {

using sdk::ms_since;

// Writes a text file under the results folder (errors are logged: a report must not fail a step).
void save(const fs::path& p, const std::string& text) {
    if (Status st = files::write_text(p, text); !st) spdlog::warn("{}", st.error().str());
}

// "steps/02-pg_upgrade/".
std::string step_folder(size_t i, const std::string& type) { return fmt::format("steps/{:02}-{}/", i + 1, type); }

}  // namespace

VerifyRules rules_for(const scenario::Scenario& sc, const scenario::UpgradeStep* step) {
    VerifyRules r;
    for (const auto* v : {sc.verify ? &*sc.verify : nullptr, step && step->verify ? &*step->verify : nullptr}) {
        if (!v) continue;
        for (const auto& t : v->ignore) r.ignore.push_back(t.value);
        for (const auto& t : v->expected_changes) r.expected_changes.push_back(t.value);
        if (v->jobs) r.jobs = *v->jobs;
        if (v->amcheck) r.amcheck = *v->amcheck;
        if (v->collations) r.collations = v->collations->value;
    }
    return r;
}

UpgradeChain::UpgradeChain(RunContext& ctx, report::UpgradeResults& results) : ctx_(ctx), results_(results) {}

// Plugins, verify patterns and initdb words, before anything runs.
Status UpgradeChain::prepare() {
    const scenario::Scenario& sc = *ctx_.scenario;
    if (sc.steps.empty()) return Error::invalid("scenario \"" + sc.name + "\": an upgrade scenario needs at least one step");
    for (const auto& step : sc.steps) {
        plugins::Plugin* p = ctx_.registry->find(plugins::Kind::step, step.type.value);
        if (!p) return plugins::no_plugin(plugins::Kind::step, step.type.value).at(step.type.where);
        plugins_.push_back(p);
        if (Status s = rules_for(sc, &step).validate(); !s) {
            Error e = s.error();
            if (step.verify) e.at(step.verify->where);
            else if (sc.verify) e.at(sc.verify->where);
            return e;
        }
    }
    if (auto it = sc.args.find("initdb"); it != sc.args.end()) {
        auto words = split_args(it->second.value);
        if (!words) return Error(words.error()).at(it->second.where);
        initdb_args_ = *words;
    }
    plan_ = VersionPlan::for_upgrade(sc, *ctx_.registry);
    return plan_.resolve(*ctx_.provisioner);
}

Status UpgradeChain::provision() {
    ToolBroker broker(*ctx_.provisioner, *ctx_.runtime, ctx_.run_dir / "tools");
    if (Status s = plan_.provision(*ctx_.provisioner, broker, ctx_.cancel); !s) return s;
    results_.start_version = plan_.slots[0].install->version;
    for (const auto& slot : plan_.slots)
        results_.versions.push_back(json::object{{"role", slot.role},
                                                 {"db_type", slot.db_type},
                                                 {"db_version", slot.written},
                                                 {"version", slot.version},
                                                 {"install", slot.install->to_json()}});
    return {};
}

// First cluster on the start version, then initial_pre_scripts, initial_setup_script, initial_post_scripts.
Status UpgradeChain::start() {
    const scenario::Scenario& sc = *ctx_.scenario;
    const cluster::Install* install = &*plan_.slots[0].install;
    cluster::ClusterSpec spec;
    spec.id = "c0-" + install->version;
    spec.install = *install;
    spec.initdb_args = initdb_args_;
    auto created = ctx_.clusters->create(spec);
    if (!created) return created.error();
    current_ = *created;
    spdlog::info("[{}] initdb and start ({} {})", current_->id(), results_.db_type, install->version);
    if (Status s = current_->init(); !s) return s;
    if (Status s = current_->start(); !s) return s;
    if (Status s = run_scripts("initial_pre_script", sc.initial_pre_scripts, "initial/", results_.initial); !s) return s;
    if (Status s = run_scripts("initial_setup_script", sc.initial_setup_script, "initial/", results_.initial); !s) return s;
    return run_scripts("initial_post_script", sc.initial_post_scripts, "initial/", results_.initial);
}

// Each script with the current cluster's environment; output to <results>/<prefix><kind>-<name>.log.
Status UpgradeChain::run_scripts(const std::string& kind, const std::vector<scenario::FileRef>& files,
                                 const std::string& log_prefix, std::vector<report::UpgradeScript>& out) {
    if (!files.empty()) forget_snapshot();  // a script may change anything
    for (const auto& f : files) {
        report::UpgradeScript s;
        s.kind = kind;
        s.name = f.as_written;
        std::string safe = f.as_written;
        for (char& c : safe)
            if (c == '/') c = '_';
        s.log = log_prefix + kind + "-" + safe + ".log";
        spdlog::info("[{}] {} \"{}\"", current_->id(), kind, f.as_written);
        auto r = cluster::run_script(*ctx_.runtime, f.path, current_->client_env(), {}, 0);
        if (!r) {
            s.error = r.error().message;
            s.error_code = r.error().tag();
            out.push_back(s);
            return Error::of(errors::Code::script_failed, kind + " \"" + f.as_written + "\": " + r.error().message);
        }
        s.exit_code = r->exit_code;
        s.duration_ms = r->duration_ms;
        s.ok = r->ok();
        save(ctx_.results_dir / s.log, r->out + (r->err.empty() ? "" : "\n--- stderr ---\n" + r->err));
        if (Status st = cluster::script_failure(f.path, *r); !st) {
            s.error = st.error().message;
            s.error_code = st.error().tag();
            out.push_back(s);
            return Error::of(st.error().id(), kind + " \"" + f.as_written + "\" failed: " + st.error().message);
        }
        out.push_back(s);
    }
    return {};
}

long long UpgradeChain::database_size() {
    auto r = current_->sql("postgres", "SELECT sum(pg_database_size(oid))::bigint FROM pg_database");
    if (!r || r->rows.empty() || r->rows[0].empty() || !r->rows[0][0]) return -1;
    try {
        return std::stoll(*r->rows[0][0]);
    } catch (...) {
        return -1;
    }
}

report::UpgradeStepResult UpgradeChain::skipped(size_t i) const {
    const auto& step = ctx_.scenario->steps[i];
    report::UpgradeStepResult r;
    r.index = static_cast<int>(i + 1);
    r.method = step.type.value;
    r.to_version = i + 1 < plan_.slots.size() && !plan_.slots[i + 1].version.empty() ? plan_.slots[i + 1].version
                                                                                   : step.target.db_version.value;
    r.verdict = "skipped";
    return r;
}

// Calls the step plugin with the documented input; returns the cluster holding the data.
Expected<cluster::Cluster*> UpgradeChain::call_plugin(size_t i, const json::object& to, report::UpgradeStepResult& res) {
    const auto& step = ctx_.scenario->steps[i];
    const std::string folder = step_folder(i, step.type.value);
    const fs::path work_dir = ctx_.run_dir / folder.substr(0, folder.size() - 1);
    if (Status s = ctx_.runtime->make_dir(work_dir); !s) return s.error();
    sdk::StepInput in;
    in.cluster = current_->id();
    in.new_cluster = fmt::format("c{}-{}", i + 1, std::string(to.at("version").as_string()));
    in.from = current_->install().to_json();
    in.to = to;
    in.initdb_args = initdb_args_;
    in.options = step.options;  // typed by the validation
    in.step_index = static_cast<int>(i + 1);
    in.step_type = step.type.value;
    in.work_dir = work_dir.string();
    in.artifact_prefix = folder;
    in.scenario_dir = ctx_.scenario->dir.string();
    auto t = std::chrono::steady_clock::now();
    plugins::CallOutcome out = plugins_[i]->call(plugins::Callback::run, *ctx_.services, in.to_json());
    res.duration_ms = ms_since(t);
    const sdk::StepResult result = sdk::StepResult::from_json(out.result);
    extensions_updated_ = result.extensions_updated;
    verify_also_ = result.verify;
    res.metrics = result.metrics;
    res.logs.insert(res.logs.end(), result.logs.begin(), result.logs.end());
    res.report = result.report;
    res.details = result.details;
    step_reason_ = result.expected_changes.reason;
    step_databases_ = result.expected_changes.databases;
    step_expected_.clear();
    for (const auto& pat : result.expected_changes.patterns) {
        if (Status st = check_verify_pattern(pat); st) step_expected_.push_back(pat);
        else spdlog::warn("step {} ({}): expected change ignored: {}", i + 1, step.type.value, st.error().message);
    }
    if (auto* d = res.metrics.if_contains("downtime_ms"); d && d->is_number()) res.downtime_ms = d->to_number<double>();
    if (auto* m = res.metrics.if_contains("mode"); m && m->is_string()) res.variant = std::string(m->as_string());
    if (!out.ok()) {
        // A failed plugin may return no result: list the artifacts it saved (pg_upgrade's logs
        // ...) that its result (set_result) does not list already, sorted.
        std::error_code ec;
        std::vector<std::string> saved;
        for (fs::recursive_directory_iterator it(ctx_.results_dir / folder, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec)) saved.push_back(fs::relative(it->path(), ctx_.results_dir, ec).string());
        std::sort(saved.begin(), saved.end());
        for (auto& f : saved)
            if (std::find(res.logs.begin(), res.logs.end(), f) == res.logs.end()) res.logs.push_back(std::move(f));
        return error_of_status(out.status, out.error, errors::Code::step_failed,
                               "step plugin \"" + step.type.value + "\" failed: ");
    }
    const std::string id = result.cluster.empty() ? current_->id() : result.cluster;
    cluster::Cluster* c = ctx_.clusters->find(id);
    if (!c)
        return Error::of(errors::Code::step_failed,
                         "step plugin \"" + step.type.value + "\" returned cluster \"" + id + "\", which does not exist");
    return c;
}

// check_server, take_snapshot, the snapshot saved, compare: the verification of one cluster.
Verdict UpgradeChain::check_cluster(cluster::Cluster& c, const Snapshot& before, const std::string& target_version,
                                    const VerifyRules& rules, const fs::path& snapshot_file, const std::string& log_hint,
                                    report::UpgradeStepResult& res, std::string& server_version) {
    Verdict v;
    SqlRunner sql = sql_runner(c);
    if (Status s = check_server(sql, target_version); !s) v.problems.push_back(s.error().message + log_hint);
    else if (auto after = snapshot_of(c, rules, &before); !after)
        v.problems.push_back(after.error().message);
    else {
        server_version = after->server_version;
        res.snapshot_ms += after->duration_ms;
        save(snapshot_file, json::serialize(after->to_json()) + "\n");
        v.differences = compare(before, *after, rules).differences;
        post_checks(sql, *after, rules, v, res);
        if (&c == current_) keep_snapshot(std::move(*after), rules);
    }
    return v;
}

// The same check on another cluster a step named (a replica): its snapshot goes to
// snapshot-after-<id>.json; its problems and unexpected differences join `into` prefixed with
// "[<id>] ". Returns its own verdict as JSON, with the server_version it runs.
json::object UpgradeChain::verify_other(const std::string& id, const Snapshot& before, const std::string& target_version,
                                        const VerifyRules& rules, const std::string& folder,
                                        report::UpgradeStepResult& res, Verdict& into) {
    Verdict v;
    std::string server_version;
    cluster::Cluster* c = ctx_.clusters->find(id);
    if (!c) v.problems.push_back("cluster \"" + id + "\" does not exist");
    else
        v = check_cluster(*c, before, target_version, rules, ctx_.results_dir / (folder + "snapshot-after-" + id + ".json"),
                          "; server log \"" + c->server_log().string() + "\"", res, server_version);
    for (const auto& p : v.problems) into.problems.push_back("[" + id + "] " + p);
    for (const auto& d : v.differences)
        if (!d.expected) into.problems.push_back("[" + id + "] " + d.str());
        else res.differences.push_back("[" + id + "] " + d.str());
    json::object out = v.to_json();
    out["server_version"] = server_version;
    return out;
}

// The server runs the target version and the data and schema are what they were before.
Status UpgradeChain::verify(size_t i, const Snapshot& before, const std::string& target_version,
                            report::UpgradeStepResult& res) {
    const auto& step = ctx_.scenario->steps[i];
    const std::string folder = step_folder(i, step.type.value);
    VerifyRules rules = rules_for(*ctx_.scenario, &step);
    rules.extensions_updated = extensions_updated_;
    rules.step_expected = step_expected_;
    rules.step_databases = step_databases_;
    rules.step_reason = step_reason_;
    std::string server_version;
    Verdict v = check_cluster(*current_, before, target_version, rules, ctx_.results_dir / (folder + "snapshot-after.json"),
                              "", res, server_version);
    json::object others;
    for (const auto& id : verify_also_)
        if (id != current_->id()) others[id] = verify_other(id, before, target_version, rules, folder, res, v);
    std::string text = v.str();
    for (const auto& [id, o] : others)
        text += fmt::format("[{}] {}, server version \"{}\"\n", std::string(id), o.at("passed").as_bool() ? "passed" : "failed",
                            std::string(o.at("server_version").as_string()));
    res.verification = v.to_json();
    if (!others.empty()) res.verification["clusters"] = std::move(others);
    for (const auto& p : v.problems) res.differences.push_back(p);
    for (bool want_expected : {false, true})
        for (const auto& d : v.differences)
            if (d.expected == want_expected) res.differences.push_back(d.str());
    for (const auto& w : v.warnings) res.differences.push_back("warning: " + w);
    save(ctx_.results_dir / (folder + "verification.txt"), text);
    if (v.passed()) return {};
    return Error::of(errors::Code::verification_difference,
                     fmt::format("verification failed: {} problem(s), {} unexpected difference(s)", v.problems.size(),
                                 v.unexpected()));
}

// provision, pre_scripts, snapshot, plugin, post_scripts, verifiers, verification.
Status UpgradeChain::run_step(size_t i) {
    const scenario::Scenario& sc = *ctx_.scenario;
    const auto& step = sc.steps[i];
    report::UpgradeStepResult res = skipped(i);
    res.from_version = current_->install().version;
    res.cluster_before = current_->id();
    res.verdict = "failed";
    const std::string folder = step_folder(i, step.type.value);
    auto fail = [&](Error e) -> Status {
        if (res.error.empty()) {
            res.error = e.message;
            res.error_code = e.tag();
        }
        spdlog::error("step {} ({}): {}", i + 1, step.type.value, e.message);
        results_.steps.push_back(res);
        return e;
    };
    spdlog::info("step {} ({}): {} -> {}", i + 1, step.type.value, res.from_version, plan_.slots[i + 1].version);
    const cluster::Install* install = &*plan_.slots[i + 1].install;
    res.to_version = install->version;
    if (Status s = run_scripts("pre_script", sc.pre_scripts, folder, res.scripts); !s) return fail(s.error());
    if (Status s = run_scripts("pre_script", step.pre_scripts, folder, res.scripts); !s) return fail(s.error());

    VerifyRules rules = rules_for(sc, &step);
    if (Status s = preflight(rules, res); !s) return fail(s.error());
    auto before = before_snapshot(rules, res);
    if (!before) return fail(before.error());
    save(ctx_.results_dir / (folder + "snapshot-before.json"), json::serialize(before->to_json()) + "\n");
    res.size_before = database_size();

    auto next = call_plugin(i, install->to_json(), res);
    if (!next) return fail(next.error());
    current_ = *next;
    // A step that keeps the version (migrate, stairway ...) leaves the cluster on the same
    // binaries: it takes its slot's installation, which holds the tools the next step borrows
    // for its old side (pg_upgrade's pg_controldata and pg_resetwal on a server-only build).
    if (current_->install().version == install->version && current_->install().bindir != install->bindir)
        current_->use_install(*install);
    res.cluster_after = current_->id();
    res.logs.push_back(current_->server_log().string());

    if (Status s = run_scripts("post_script", sc.post_scripts, folder, res.scripts); !s) return fail(s.error());
    if (Status s = run_scripts("post_script", step.post_scripts, folder, res.scripts); !s) return fail(s.error());
    if (Status s = run_scripts("verifier", sc.verifiers, folder, res.scripts); !s) return fail(s.error());
    if (Status s = run_scripts("verifier", step.verifiers, folder, res.scripts); !s) return fail(s.error());
    res.size_after = database_size();
    if (Status s = verify(i, *before, install->server(), res); !s) return fail(s.error());
    res.verdict = "passed";
    spdlog::info("step {} ({}): passed, {} -> {}", i + 1, step.type.value, res.from_version, res.to_version);
    results_.steps.push_back(res);
    return {};
}

}  // namespace pgorch::engine
