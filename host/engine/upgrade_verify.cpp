// The upgrade chain's verification around a step, apart from the snapshot diff itself: one
// snapshot reused from a step's "after" to the next step's "before", the collation pre-flight,
// and the checks after a step (amcheck, collation versions).
#include "engine/upgrade_steps.hpp"

#include "cluster/cluster.hpp"

#include <spdlog/spdlog.h>

namespace pgorch::engine {

namespace {

std::vector<std::string> databases_of(const Snapshot& s) {
    std::vector<std::string> out;
    for (const auto& [db, _] : s.databases) out.push_back(db);
    return out;
}

}  // namespace

// The last "after" snapshot, when it is still what the cluster holds; else a new snapshot.
Expected<Snapshot> UpgradeChain::before_snapshot(const VerifyRules& rules, report::UpgradeStepResult& res) {
    if (last_after_ && last_after_cluster_ == current_->id() && rules.same_snapshot(last_after_rules_)) {
        spdlog::info("[{}] \"before\" snapshot: the last step's \"after\" one (nothing ran since)", current_->id());
        Snapshot s = std::move(*last_after_);
        forget_snapshot();
        s.duration_ms = 0;
        s.queries = 0;
        return s;
    }
    auto s = snapshot_of(*current_, rules, nullptr);
    if (s) res.snapshot_ms += s->duration_ms;
    return s;
}

// A snapshot on sessions kept from one query to the next, closed when it is taken (an idle
// session would block a script's DROP DATABASE).
Expected<Snapshot> UpgradeChain::snapshot_of(cluster::Cluster& c, const VerifyRules& rules, const Snapshot* like) {
    auto s = take_snapshot(sql_runner(c, 0, true), rules, like);
    c.close_sessions();
    return s;
}

void UpgradeChain::keep_snapshot(Snapshot after, const VerifyRules& rules) {
    last_after_ = std::move(after);
    last_after_cluster_ = current_->id();
    last_after_rules_ = rules;
}

void UpgradeChain::forget_snapshot() {
    last_after_.reset();
    last_after_cluster_.clear();
}

// Collation versions of the cluster as it is before the step. When the last step's "after"
// snapshot still stands, its post-check saw this very state: nothing to do again.
Status UpgradeChain::preflight(const VerifyRules& rules, report::UpgradeStepResult& res) {
    if (rules.collations == "off" || (last_after_ && last_after_cluster_ == current_->id())) return {};
    SqlRunner sql = sql_runner(*current_);
    std::vector<std::string> dbs;
    auto listed = sql("postgres", "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY 1");
    if (!listed)
        return Error::of(errors::Code::server_failed,
                         "collation pre-flight: the server does not accept connections: " + listed.error().message);
    for (const auto& row : listed->rows) dbs.push_back(row.empty() || !row[0] ? "" : *row[0]);
    CheckReport r = check_collations(sql, dbs, rules.collations);
    for (const auto& w : r.warnings) {
        spdlog::warn("collation pre-flight: {}", w);
        res.differences.push_back("warning: before the step: " + w);
    }
    if (r.problems.empty()) return {};
    for (const auto& p : r.problems) res.differences.push_back("before the step: " + p);
    return Error::of(errors::Code::collation_changed,
                     "collation pre-flight failed: " + r.problems.front() +
                         (r.problems.size() > 1 ? " (and " + std::to_string(r.problems.size() - 1) + " more)" : ""));
}

// amcheck and the collation post-check; their cost is recorded in the verification's JSON.
void UpgradeChain::post_checks(const SqlRunner& sql, const Snapshot& after, const VerifyRules& rules, Verdict& v,
                               report::UpgradeStepResult& res) {
    const std::vector<std::string> dbs = databases_of(after);
    auto merge = [&](const CheckReport& r, const char* what) {
        v.problems.insert(v.problems.end(), r.problems.begin(), r.problems.end());
        v.warnings.insert(v.warnings.end(), r.warnings.begin(), r.warnings.end());
        for (const auto& w : r.warnings) spdlog::warn("{}: {}", what, w);
        res.metrics[std::string(what) + "_ms"] = res.metrics.contains(std::string(what) + "_ms")
                                                     ? res.metrics[std::string(what) + "_ms"].to_number<double>() + r.duration_ms
                                                     : r.duration_ms;
    };
    if (rules.amcheck) merge(run_amcheck(sql, dbs), "amcheck");
    if (rules.collations != "off")
        merge(check_collations(sql, dbs, rules.collations, after.server_version_num), "collation_check");
}

}  // namespace pgorch::engine
