// migrate: applies a folder of delta files to a database in version order and records each one
// in a versions table (pum's upgrader, Flyway's habits); README.md documents the folder, the
// options and the report. The work is the SDK's: the folder (pgorch/migrations.hpp), the plan
// (pgorch/migration_plan.hpp), applying a delta with its statistics (pgorch/migration_run.hpp)
// and the report (pgorch/migration_report.hpp).
#include <pgorch/migration_options.hpp>
#include <pgorch/migration_plan.hpp>
#include <pgorch/migration_report.hpp>
#include <pgorch/plugin.hpp>
#include <pgorch/step.hpp>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;

// Creates the database when asked and missing.
void create_database(sdk::Context& ctx, const std::string& cluster, const std::string& db) {
    if (sdk::sql_value(ctx, cluster, "SELECT count(*) FROM pg_database WHERE datname = " + sdk::sql_literal(db)) == "1") return;
    ctx.info("creating database \"" + db + "\"");
    ctx.sql(cluster, "postgres", "CREATE DATABASE " + sdk::sql_qualified(db));
}

// The options, the folder and the plan's checks that need no database: what validate refuses.
struct Setup {
    sdk::MigrationOptions m;
    std::optional<sdk::DeltaVersion> baseline;
    bool downgrade = false, create = false;
    sdk::DeltaSet set;
};

Setup setup_of(sdk::Context& ctx, const sdk::StepInput& in) {
    const json::object& options = in.options;
    Setup s;
    s.m = sdk::read_migration_options(options, in.scenario_dir.empty() ? ctx.setting("scenario_dir") : in.scenario_dir);
    s.baseline = sdk::option_version(options, "baseline", nullptr);
    s.downgrade = sdk::option_flag(options, "downgrade", false);
    s.create = sdk::option_flag(options, "create_database", false);
    s.set = sdk::read_checked_deltas(ctx, s.m);
    return s;
}

json::value migrate_validate(sdk::Context& ctx, const json::object& input) {
    Setup s = setup_of(ctx, sdk::StepInput::from_json(input));
    std::size_t versioned = 0;
    for (const auto& d : s.set.deltas) versioned += !d.repeatable();
    return json::object{{"deltas", versioned}, {"repeatable", s.set.deltas.size() - versioned}};
}

json::value migrate_run(sdk::Context& ctx, const json::object& input) {
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster"});
    Setup s = setup_of(ctx, in);
    const std::string& cluster = in.cluster;
    const std::string& prefix = in.artifact_prefix;
    if (s.create) create_database(ctx, cluster, s.m.database);
    sdk::Migrator mig(ctx, s.m.settings(cluster, prefix));
    mig.open();
    const bool created = mig.ensure_table();
    if (s.baseline) {
        if (created) mig.baseline(*s.baseline);
        else ctx.info("the versions table exists already: baseline " + s.baseline->str() + " is not recorded again");
    }
    std::vector<sdk::AppliedRow> rows = mig.applied();
    sdk::MigrationPlan plan = sdk::plan_migration(s.set, rows, s.m.target, s.downgrade);
    const std::string before = sdk::version_text(plan.current, s.set);
    if (!plan.ok()) {
        std::string msg = "db \"" + s.m.database + "\" (at version " + before + "): " + plan.errors.front();
        for (std::size_t i = 1; i < plan.errors.size(); ++i) msg += "; " + plan.errors[i];
        if (!plan.hints.front().empty()) msg += " (" + plan.hints.front() + ")";
        throw sdk::Failure(PGORCH_ERR_FAILED, msg);
    }
    ctx.info("db \"" + s.m.database + "\" at version " + before + ": " + std::to_string(plan.down.size()) + " down, " +
             std::to_string(plan.up.size()) + " up");
    mig.measure_size();
    std::vector<sdk::MigrationRun> runs;
    bool ok = true;
    for (const sdk::Delta* d : plan.down)
        if (ok) {
            runs.push_back(mig.apply(*d, false));
            ok = runs.back().success;
        }
    for (const sdk::Delta* d : plan.up)
        if (ok) {
            ctx.progress(static_cast<double>(runs.size()) / static_cast<double>(plan.down.size() + plan.up.size()),
                         "applying " + d->up.name);
            runs.push_back(mig.apply(*d, true));
            ok = runs.back().success;
        }
    const auto now = sdk::current_version(mig.applied());
    const std::string after = sdk::version_text(now, s.set);
    mig.close();

    std::vector<std::pair<std::string, std::string>> facts = {
        {"database", s.m.database}, {"deltas", s.m.folder_text}, {"versions table", s.m.table},
        {"version before", before}, {"version after", after},
        {"target", s.m.target ? s.m.target->str() : "latest"},
        {"statistics", mig.statistics() ? "pg_stat_statements (reset before each migration)" : "off: " + mig.statistics_note()}};
    if (runs.empty()) facts.emplace_back("applied", "nothing: the database is at the target");
    const int index = in.step_index;
    sdk::StepReport report;
    report.sections.push_back(sdk::migrations_section(
        "Migrations, step " + std::to_string(index) + ": db \"" + s.m.database + "\" " + before + " -> " + after, runs, facts, ok));
    json::array list;
    for (const auto& r : runs) {
        report.tests.push_back(sdk::migration_test("migrate ", r));
        list.push_back(r.to_json());
    }
    sdk::Histogram all;
    for (const auto& r : runs)
        for (const auto& st : r.statements) all.add(st.ms);
    json::object details{{"kind", "migrate"},          {"database", s.m.database},
                         {"table", s.m.table},         {"folder", s.m.folder_text},
                         {"version_before", before},   {"version_after", after},
                         {"version", now ? json::value(now->str()) : json::value(nullptr)},
                         {"statistics", mig.statistics()}, {"histogram", all.to_json()},
                         {"migrations", std::move(list)}};
    sdk::StepResult result;
    result.cluster = cluster;
    for (const auto& r : runs) result.logs.push_back(r.log);
    result.metrics = json::object{{"migrations", runs.size()}};
    result.report = std::move(report);
    result.details = std::move(details);
    result.expected_changes = {{s.m.database}, {}, "migrations of db \"" + s.m.database + "\" " + before + " -> " + after};
    if (!ok) {
        const sdk::MigrationRun& bad = runs.back();
        ctx.set_result(result.to_json());
        throw sdk::Failure(PGORCH_ERR_FAILED, (bad.error_at.empty() ? bad.label : bad.error_at) + ": " + bad.error + "; db \"" +
                                                  s.m.database + "\" is at version " + after + ", the last good one");
    }
    return result.to_json();
}

const pgorch_option baseline_option = {
    sizeof(pgorch_option), "baseline", PGORCH_OPT_STRING, 0, nullptr,
    "Mark a database that has no versions table yet as being at this version already: deltas up to it are not applied."};
const pgorch_option downgrade_option = {
    sizeof(pgorch_option), "downgrade", PGORCH_OPT_BOOLEAN, 0, "false",
    "A target below the current version runs the down files of the deltas above it, newest first."};
const pgorch_option create_option = {sizeof(pgorch_option), "create_database", PGORCH_OPT_BOOLEAN, 0, "false",
                                     "Create the database when it does not exist."};
const pgorch_option* const options[] = {&sdk::opt_migrations,  &sdk::opt_database,      &sdk::opt_target,
                                        &baseline_option,       &sdk::opt_table,         &sdk::opt_gaps,
                                        &downgrade_option,      &create_option,          &sdk::opt_statistics,
                                        &sdk::opt_long_query_ms, &sdk::opt_lock_wait_ms, &sdk::opt_statement_timeout_s,
                                        nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "migrate",
    .version = "1.0.0",
    .description = "Applies a folder of delta files in version order, each in its own transaction, recorded in a versions table.",
    .options = options,
    .validate = sdk::callback<migrate_validate>,
    .run = sdk::callback<migrate_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"versions": "same"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
