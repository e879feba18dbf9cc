// stairway: the Alembic talk's stairway test on a fresh database cloned from a template: for
// each delta in version order, upgrade, snapshot the schema, downgrade, check that the schema is
// the one before the upgrade (a downgrade leaves no trace), upgrade again (README.md).
#include <pgorch/migration_options.hpp>
#include <pgorch/migration_plan.hpp>
#include <pgorch/migration_report.hpp>
#include <pgorch/plugin.hpp>
#include <pgorch/step.hpp>

#include <algorithm>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;

struct Setup {
    sdk::MigrationOptions m;
    std::string template_db;
    std::optional<sdk::DeltaVersion> baseline;
    std::vector<std::string> irreversible;  // labels or versions as written
    std::vector<std::string> ignore, exclude_schemas;
    bool keep = false;
    sdk::DeltaSet set;
    std::vector<const sdk::Delta*> range;   // the deltas the stairway climbs
};

// True when the option "irreversible" names the delta (V007, 7, delta_1.2.3 or 1.2.3).
bool named(const std::vector<std::string>& names, const sdk::Delta& d) {
    for (const auto& n : names) {
        if (n == d.label) return true;
        std::string digits = !n.empty() && (n[0] == 'V' || n[0] == 'v') ? n.substr(1) : n;
        if (auto v = sdk::DeltaVersion::parse(digits); v && *v == d.version) return true;
    }
    return false;
}

Setup setup_of(sdk::Context& ctx, const sdk::StepInput& in) {
    const json::object& options = in.options;
    Setup s;
    json::object with_defaults = options;
    if (!with_defaults.contains("statistics")) with_defaults["statistics"] = false;
    s.m = sdk::read_migration_options(with_defaults, in.scenario_dir.empty() ? ctx.setting("scenario_dir") : in.scenario_dir);
    if (!options.contains("database")) s.m.database = "pgorch_stairway_" + std::to_string(in.step_index);
    s.template_db = sdk::option_text(options, "template", "template0");
    s.baseline = sdk::option_version(options, "baseline", nullptr);
    s.irreversible = sdk::option_list(options, "irreversible");
    s.ignore = sdk::option_list(options, "ignore");
    s.exclude_schemas = sdk::option_list(options, "exclude_schemas");
    s.keep = sdk::option_flag(options, "keep", false);
    s.set = sdk::read_checked_deltas(ctx, s.m);
    for (const auto& n : s.irreversible) {
        bool found = std::any_of(s.set.deltas.begin(), s.set.deltas.end(),
                                 [&](const sdk::Delta& d) { return !d.repeatable() && named({n}, d); });
        if (!found) throw sdk::Failure(PGORCH_ERR_INVALID, "option \"irreversible\": \"" + n + "\" names no delta in \"" + s.m.folder_text + "\"");
    }
    std::vector<std::string> missing;
    for (const auto& d : s.set.deltas) {
        if (d.repeatable() || (s.baseline && !(*s.baseline < d.version)) || (s.m.target && *s.m.target < d.version)) continue;
        s.range.push_back(&d);
        if (!d.down && !named(s.irreversible, d)) missing.push_back(d.label);
    }
    if (!missing.empty())
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"migrations\": " + sdk::join(missing, ", ") + (missing.size() == 1 ? " has" : " have") +
                                                  " no down file and " + (missing.size() == 1 ? "is" : "are") +
                                                  " not declared irreversible (add a U<version>__<description>.sql, or list " +
                                                  (missing.size() == 1 ? "it" : "them") + " under the option \"irreversible\")");
    return s;
}

json::value stairway_validate(sdk::Context& ctx, const json::object& input) {
    Setup s = setup_of(ctx, sdk::StepInput::from_json(input));
    return json::object{{"rungs", s.range.size()}};
}

// The cluster service's schema ops on the stairway's database.
struct Schema {
    const sdk::Context& ctx;
    std::string cluster, database;
    json::array ignore, exclude;
    json::value snapshot() const {
        return ctx.cluster(json::object{{"op", "snapshot"}, {"cluster", cluster}, {"database", database},
                                        {"ignore", ignore}, {"exclude_schemas", exclude}});
    }
    // The differences between an earlier snapshot and the database now, as diff lines.
    std::vector<std::string> since(const json::value& before, const std::string& missing, const std::string& added) const {
        json::value r = ctx.cluster(json::object{{"op", "compare"}, {"cluster", cluster},
                                                 {"a", json::object{{"snapshot", before}}},
                                                 {"b", json::object{{"cluster", cluster}, {"database", database}}},
                                                 {"ignore", ignore}, {"exclude_schemas", exclude},
                                                 {"missing", missing}, {"added", added}});
        std::vector<std::string> out;
        if (const auto* diffs = r.as_object().if_contains("differences"); diffs && diffs->is_array())
            for (const auto& d : diffs->as_array())
                if (d.is_object()) out.push_back(sdk::get_string(d.as_object(), "text"));
        return out;
    }
};

// One rung: upgrade, downgrade, upgrade again, and what was found.
struct Rung {
    const sdk::Delta* delta = nullptr;
    std::vector<sdk::MigrationRun> runs;   // up, down, up again (fewer when one failed or irreversible)
    std::vector<std::string> findings;     // objects a downgrade left behind or lost, differences of the second upgrade
    std::string result = "passed";         // passed | failed | irreversible
    std::string why;
};

json::value stairway_run(sdk::Context& ctx, const json::object& input) {
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster"});
    Setup s = setup_of(ctx, in);
    const std::string& cluster = in.cluster;
    const std::string& prefix = in.artifact_prefix;
    sdk::create_fresh_database(ctx, cluster, s.m.database, s.template_db, "the stairway's database");
    // Dropped however the rungs end (an error of the host's services too), unless kept.
    struct Drop {
        sdk::Context& ctx;
        const std::string &cluster, &db;
        bool keep;
        ~Drop() {
            if (keep) return;
            try {
                ctx.info("dropping database \"" + db + "\"");
                ctx.sql_reply(json::object{{"cluster", cluster}, {"database", "postgres"}, {"sql", "DROP DATABASE IF EXISTS " + sdk::sql_qualified(db)}});
            } catch (...) {  // never out of a destructor
            }
        }
    };
    std::vector<Rung> rungs;
    bool ok = true;
    {
        Drop drop{ctx, cluster, s.m.database, s.keep};
        sdk::Migrator mig(ctx, s.m.settings(cluster, prefix));
        mig.open();
        if (mig.ensure_table() && s.baseline) mig.baseline(*s.baseline);
        mig.measure_size();
        Schema schema{ctx, cluster, s.m.database, {}, {}};
        for (const auto& x : s.ignore) schema.ignore.emplace_back(x);
        for (const auto& x : s.exclude_schemas) schema.exclude.emplace_back(x);
        for (const sdk::Delta* d : s.range) {
            if (!ok) break;
            ctx.check_cancelled();
            Rung r;
            r.delta = d;
            json::value before = schema.snapshot();
            r.runs.push_back(mig.apply(*d, true));
            if (!r.runs.back().success) {
                r.result = "failed";
                r.why = "upgrade failed: " + r.runs.back().error_at + ": " + r.runs.back().error;
            } else if (!d->down) {
                r.result = "irreversible";
                r.why = "declared irreversible: not downgraded";
            } else {
                json::value upgraded = schema.snapshot();
                r.runs.push_back(mig.apply(*d, false));
                if (!r.runs.back().success) {
                    r.result = "failed";
                    r.why = "downgrade failed: " + r.runs.back().error_at + ": " + r.runs.back().error;
                } else if (auto left = schema.since(before, "missing after the downgrade", "left behind by the downgrade"); !left.empty()) {
                    r.result = "failed";
                    r.findings = left;
                    r.why = "the downgrade leaves a trace: " + sdk::join(left, "; ");
                } else {
                    mig.set_log_suffix(".again");  // the first upgrade's statement log stays
                    r.runs.push_back(mig.apply(*d, true));
                    mig.set_log_suffix("");
                    if (!r.runs.back().success) {
                        r.result = "failed";
                        r.why = "upgrade again failed: " + r.runs.back().error_at + ": " + r.runs.back().error;
                    } else if (auto diff = schema.since(upgraded, "missing after the second upgrade", "added by the second upgrade"); !diff.empty()) {
                        r.result = "failed";
                        r.findings = diff;
                        r.why = "upgrading again gives another schema: " + sdk::join(diff, "; ");
                    }
                }
            }
            ok = r.result != "failed";
            ctx.info("stairway " + d->label + ": " + r.result + (r.why.empty() ? "" : " (" + r.why + ")"));
            rungs.push_back(std::move(r));
        }
        mig.close();
    }

    const int index = in.step_index;
    sdk::ReportSection section;
    section.heading = "Stairway, step " + std::to_string(index) + ": " + std::to_string(rungs.size()) + " migration(s) up, down, up";
    section.tone = ok ? "ok" : "bad";
    section.facts = {{"database", s.m.database + " (fresh, from template " + s.template_db + (s.keep ? ", kept" : ", dropped after") + ")"},
                     {"deltas", s.m.folder_text},
                     {"range", s.range.empty() ? "none" : s.range.front()->label + " .. " + s.range.back()->label}};
    sdk::ReportTable table{"Rungs", {"migration", "upgrade", "downgrade", "upgrade again", "result", "finding"}, {}};
    std::vector<sdk::MigrationRun> all;
    sdk::StepReport report;
    json::array list;
    for (const auto& r : rungs) {
        auto ms = [&](std::size_t i) { return i < r.runs.size() ? sdk::Migrator::fmt_ms(r.runs[i].duration_ms) : std::string("-"); };
        std::string name = r.delta->label + (r.delta->description.empty() ? "" : " " + r.delta->description);
        table.rows.push_back({{name, ""}, {ms(0), ""}, {r.delta->down ? ms(1) : "irreversible", ""}, {ms(2), ""},
                              {r.result, r.result == "failed" ? "bad" : r.result == "passed" ? "ok" : "skip"}, {r.why, r.result == "failed" ? "bad" : ""}});
        sdk::ReportTest t{"stairway " + name, r.result == "failed" ? "failed" : "passed", 0, r.why, sdk::join(r.findings, "\n"), ""};
        for (const auto& run : r.runs) {
            t.time_ms += run.duration_ms;
            t.output += run.direction + " " + sdk::Migrator::fmt_ms(run.duration_ms) + ", log " + run.log + "\n";
        }
        report.tests.push_back(std::move(t));
        json::array runs;
        for (const auto& run : r.runs) runs.push_back(run.to_json());
        json::array findings;
        for (const auto& f : r.findings) findings.emplace_back(f);
        list.push_back(json::object{{"label", r.delta->label}, {"version", r.delta->version.str()}, {"result", r.result},
                                    {"why", r.why}, {"findings", std::move(findings)}, {"runs", std::move(runs)}});
        all.insert(all.end(), r.runs.begin(), r.runs.end());
    }
    section.tables.push_back(std::move(table));
    sdk::ReportSection runs = sdk::migrations_section("Stairway runs", all, {}, ok);
    runs.collapsed = true;
    section.children.push_back(std::move(runs));
    report.sections.push_back(std::move(section));
    sdk::StepResult result;
    result.cluster = cluster;
    for (const auto& r : all) result.logs.push_back(r.log);
    result.metrics = json::object{{"rungs", rungs.size()}};
    result.report = std::move(report);
    result.details = json::object{{"kind", "stairway"}, {"database", s.m.database}, {"rungs", std::move(list)}};
    if (s.keep) result.expected_changes = {{s.m.database}, {}, "the stairway's database, kept (option keep)"};
    if (!ok) {
        const Rung& bad = rungs.back();
        ctx.set_result(result.to_json());
        throw sdk::Failure(PGORCH_ERR_FAILED, "stairway: " + bad.delta->label + ": " + bad.why);
    }
    return result.to_json();
}

const pgorch_option template_option = {sizeof(pgorch_option), "template", PGORCH_OPT_STRING, 0, "template0",
                                       "The database the stairway's fresh database is cloned from (CREATE DATABASE ... TEMPLATE)."};
const pgorch_option database_option = {
    sizeof(pgorch_option), "database", PGORCH_OPT_STRING, 0, nullptr,
    "The fresh database the stairway creates (it must not exist) and drops afterwards; default pgorch_stairway_<step number>."};
const pgorch_option baseline_option = {sizeof(pgorch_option), "baseline", PGORCH_OPT_STRING, 0, nullptr,
                                       "The version the template is at: the stairway climbs the deltas above it."};
const pgorch_option irreversible_option = {
    sizeof(pgorch_option), "irreversible", PGORCH_OPT_STRING_LIST, 0, nullptr,
    "Deltas without a down file that are irreversible on purpose (V007, 7): upgraded, never downgraded."};
const pgorch_option ignore_option = {sizeof(pgorch_option), "ignore", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                     "Kinds (or KIND:NAME globs) the no-trace check leaves out, as in verify: ignore."};
const pgorch_option exclude_option = {sizeof(pgorch_option), "exclude_schemas", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                      "Schemas (names or globs) the no-trace check leaves out."};
const pgorch_option keep_option = {sizeof(pgorch_option), "keep", PGORCH_OPT_BOOLEAN, 0, "false",
                                   "Keep the stairway's database after the step (for a look at it)."};
const pgorch_option statistics_option = {
    sizeof(pgorch_option), "statistics", PGORCH_OPT_BOOLEAN, 0, "false",
    "Collect the queries of each run with pg_stat_statements (off by default: the stairway checks reversibility)."};
const pgorch_option* const options[] = {&sdk::opt_migrations,   &database_option,          &template_option,
                                        &baseline_option,        &sdk::opt_target,          &irreversible_option,
                                        &ignore_option,          &exclude_option,           &keep_option,
                                        &sdk::opt_table,         &sdk::opt_gaps,            &statistics_option,
                                        &sdk::opt_long_query_ms, &sdk::opt_lock_wait_ms,    &sdk::opt_statement_timeout_s,
                                        nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "stairway",
    .version = "1.0.0",
    .description = "Upgrades, downgrades and upgrades again each delta on a fresh database, checking that a downgrade leaves no trace.",
    .options = options,
    .validate = sdk::callback<stairway_validate>,
    .run = sdk::callback<stairway_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"versions": "same"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
