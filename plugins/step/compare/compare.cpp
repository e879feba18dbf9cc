// compare: pum's checker as a step. Builds a reference database from a fresh-install script (or
// from the deltas, applied to a fresh database) and compares the migrated database with it on
// the host's schema model (the cluster service's "compare" op: the verification's snapshot).
// Every difference names the object and the field; one fails the step (README.md).
#include <pgorch/exec.hpp>
#include <pgorch/migration_options.hpp>
#include <pgorch/migration_plan.hpp>
#include <pgorch/migration_report.hpp>
#include <pgorch/plugin.hpp>
#include <pgorch/step.hpp>

namespace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
namespace fs = std::filesystem;

struct Setup {
    std::string database, reference, ref_cluster, template_db, table, scenario_dir;
    fs::path script;                        // reference_script (absolute), or empty
    std::optional<sdk::MigrationOptions> migrations;  // reference_migrations, or nullopt
    std::optional<sdk::DeltaSet> set;
    std::vector<std::string> ignore, exclude_schemas;
    bool data = false, keep = false;
};

Setup setup_of(sdk::Context& ctx, const sdk::StepInput& in) {
    const json::object& options = in.options;
    Setup s;
    s.scenario_dir = in.scenario_dir.empty() ? ctx.setting("scenario_dir") : in.scenario_dir;
    s.database = sdk::option_text(options, "database", "postgres");
    s.reference = sdk::option_text(options, "reference_database", "pgorch_reference_" + std::to_string(in.step_index));
    s.ref_cluster = sdk::option_text(options, "reference_cluster");
    if (!s.ref_cluster.empty() && !sdk::valid_cluster_id(s.ref_cluster))
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"reference_cluster\": \"" + s.ref_cluster + "\" is not a cluster id");
    s.template_db = sdk::option_text(options, "template", "template0");
    s.table = sdk::option_text(options, "table", "pgorch_migrations.applied");
    if (!sdk::valid_table_name(s.table)) throw sdk::Failure(PGORCH_ERR_INVALID, "option \"table\": \"" + s.table + "\" is not a table name");
    const bool has_script = !sdk::option_text(options, "reference_script").empty();
    const bool has_deltas = !sdk::option_text(options, "reference_migrations").empty();
    if (has_script == has_deltas)
        throw sdk::Failure(PGORCH_ERR_INVALID, "option \"reference_script\": give it or \"reference_migrations\", one of the two");
    if (has_script) {
        s.script = sdk::option_folder(options, "reference_script", s.scenario_dir);
        std::error_code ec;
        if (!fs::is_regular_file(s.script, ec))
            throw sdk::Failure(PGORCH_ERR_INVALID, "option \"reference_script\": file \"" + sdk::option_text(options, "reference_script") + "\" not found");
        std::string ext = s.script.extension().string();
        if (ext != ".sql" && ext != ".sh" && ext != ".py")
            throw sdk::Failure(PGORCH_ERR_INVALID, "option \"reference_script\": a fresh-install script is .sql, .sh or .py");
    } else {
        json::object o = options;
        o["migrations"] = options.at("reference_migrations");
        o["statistics"] = false;
        try {
            s.migrations = sdk::read_migration_options(o, s.scenario_dir);
        } catch (const sdk::Failure& f) {
            std::string m = f.what();
            if (m.rfind("option \"migrations\"", 0) == 0) m = "option \"reference_migrations\"" + m.substr(19);
            throw sdk::Failure(f.code(), m);
        }
        s.migrations->database = s.reference;
        s.set = sdk::read_checked_deltas(ctx, *s.migrations);
    }
    s.ignore = sdk::option_list(options, "ignore");
    if (options.contains("exclude_schemas")) s.exclude_schemas = sdk::option_list(options, "exclude_schemas");
    else if (auto dot = s.table.find('.'); dot != std::string::npos && s.table.substr(0, dot) != "public")
        s.exclude_schemas.push_back(s.table.substr(0, dot));  // the versions table is bookkeeping
    s.data = sdk::option_flag(options, "data", false);
    s.keep = sdk::option_flag(options, "keep_reference", false);
    return s;
}

json::value compare_validate(sdk::Context& ctx, const json::object& input) {
    setup_of(ctx, sdk::StepInput::from_json(input));
    return json::object{};
}

// Runs the fresh-install script on the reference database: a .sql file statement by statement
// (as psql -f does), a .sh or .py file as a command with the database in its environment.
void run_script(sdk::Context& ctx, const Setup& s) {
    if (s.script.extension() == ".sql") {
        bool read = false;
        std::string text = sdk::detail::read_whole(s.script, read);
        std::vector<sdk::SqlStatement> statements;
        sdk::SqlScriptError err;
        if (!read || !sdk::split_sql(text, statements, err))
            throw sdk::Failure(PGORCH_ERR_FAILED, s.script.filename().string() + (read ? ":" + std::to_string(err.line) + ":" + std::to_string(err.column) + ": " + err.message : ": cannot read it"));
        for (const auto& st : statements) {
            sdk::ServiceReply r = ctx.sql_reply(json::object{{"cluster", s.ref_cluster}, {"database", s.reference}, {"sql", st.text}, {"keep_session", true}});
            if (!r.ok())
                throw sdk::Failure(PGORCH_ERR_FAILED, "reference script " + s.script.filename().string() + ":" + std::to_string(st.line) + ": " + r.error());
        }
        ctx.sql_reply(json::object{{"cluster", s.ref_cluster}, {"database", s.reference}, {"sql", "SELECT 1"}});
        return;
    }
    auto info = sdk::cluster_op(ctx, "info", s.ref_cluster);
    sdk::ExecOptions how;
    how.cwd = s.script.parent_path().string();
    how.env = json::object{{"PGHOST", info.socket_dir}, {"PGPORT", std::to_string(info.port)}, {"PGUSER", "postgres"}, {"PGDATABASE", s.reference}};
    if (!info.bindir.empty()) how.env["PATH"] = info.bindir + ":/usr/local/bin:/usr/bin:/bin";
    sdk::must(ctx, {s.script.extension() == ".py" ? "python3" : "bash", s.script.string()}, "reference script " + s.script.filename().string(), how);
}

json::value compare_run(sdk::Context& ctx, const json::object& input) {
    const sdk::StepInput in = sdk::StepInput::from_json(input);
    in.require({"cluster"});
    Setup s = setup_of(ctx, in);
    const std::string& cluster = in.cluster;
    if (s.ref_cluster.empty()) s.ref_cluster = cluster;
    sdk::create_fresh_database(ctx, s.ref_cluster, s.reference, s.template_db, "the reference");
    ctx.info("building the reference from " +
             (s.migrations ? "the deltas of \"" + s.migrations->folder_text + "\"" : "\"" + s.script.filename().string() + "\""));
    std::string built_as;
    try {
        if (s.migrations) {
            sdk::Migrator mig(ctx, s.migrations->settings(s.ref_cluster, in.artifact_prefix + "reference-"));
            mig.open();
            mig.ensure_table();
            sdk::MigrationPlan plan = sdk::plan_migration(*s.set, {}, s.migrations->target, false);
            for (const sdk::Delta* d : plan.up) {
                sdk::MigrationRun r = mig.apply(*d, true);
                if (!r.success) throw sdk::Failure(PGORCH_ERR_FAILED, "reference: " + r.error_at + ": " + r.error);
                built_as = d->label;
            }
            built_as = "the deltas up to " + (built_as.empty() ? std::string("none") : built_as);
        } else {
            run_script(ctx, s);
            built_as = s.script.filename().string();
        }
    } catch (...) {
        if (!s.keep) ctx.sql_reply(json::object{{"cluster", s.ref_cluster}, {"database", "postgres"}, {"sql", "DROP DATABASE IF EXISTS " + sdk::sql_qualified(s.reference)}});
        throw;
    }
    json::array ignore, exclude;
    for (const auto& x : s.ignore) ignore.emplace_back(x);
    for (const auto& x : s.exclude_schemas) exclude.emplace_back(x);
    json::value cmp = ctx.cluster(json::object{{"op", "compare"}, {"cluster", cluster},
                                               {"a", json::object{{"cluster", cluster}, {"database", s.database}}},
                                               {"b", json::object{{"cluster", s.ref_cluster}, {"database", s.reference}}},
                                               {"ignore", ignore}, {"exclude_schemas", exclude}, {"data", s.data},
                                               {"missing", "only in db \"" + s.database + "\""}, {"added", "only in the reference"}});
    if (!s.keep) ctx.sql(s.ref_cluster, "postgres", "DROP DATABASE " + sdk::sql_qualified(s.reference));

    const json::array& diffs = cmp.as_object().at("differences").as_array();
    std::vector<std::string> lines;
    sdk::ReportTable table{"Differences", {"kind", "object", "field", "db \"" + s.database + "\"", "reference"}, {}};
    for (const auto& dv : diffs) {
        const json::object& d = dv.as_object();
        lines.push_back(sdk::get_string(d, "text"));
        const json::array* fields = d.contains("fields") && d.at("fields").is_array() ? &d.at("fields").as_array() : nullptr;
        if (!fields || fields->empty())
            table.rows.push_back({{sdk::get_string(d, "kind"), ""}, {sdk::get_string(d, "object"), ""}, {"-", ""},
                                  {sdk::get_string(d, "what"), "bad"}, {"", ""}});
        else
            for (const auto& f : *fields)
                table.rows.push_back({{sdk::get_string(d, "kind"), ""}, {sdk::get_string(d, "object"), ""},
                                      {sdk::get_string(f.as_object(), "field"), ""}, {sdk::get_string(f.as_object(), "before"), "bad"},
                                      {sdk::get_string(f.as_object(), "after"), "bad"}});
    }
    const bool equal = lines.empty();
    sdk::ReportSection section;
    section.heading = "Compare, step " + std::to_string(in.step_index) + ": db \"" + s.database + "\" with a fresh install";
    section.tone = equal ? "ok" : "bad";
    section.facts = {{"database", s.database},
                     {"reference", s.reference + " on cluster " + s.ref_cluster + ", built from " + built_as},
                     {"ignored", s.ignore.empty() ? "nothing" : sdk::join(s.ignore, ", ")},
                     {"excluded schemas", s.exclude_schemas.empty() ? "none" : sdk::join(s.exclude_schemas, ", ")},
                     {"data", s.data ? "compared" : "not compared"},
                     {"differences", std::to_string(lines.size())}};
    if (!equal) section.tables.push_back(std::move(table));
    sdk::StepReport report;
    report.sections.push_back(std::move(section));
    report.tests.push_back({"compare db \"" + s.database + "\" with " + built_as, equal ? "passed" : "failed", 0,
                            equal ? "" : std::to_string(lines.size()) + " difference(s)", sdk::join(lines, "\n"), ""});
    sdk::StepResult result;
    result.cluster = cluster;
    result.metrics = json::object{{"differences", lines.size()}};
    result.report = std::move(report);
    result.details = json::object{{"kind", "compare"}, {"database", s.database}, {"reference", s.reference},
                                  {"equal", equal}, {"differences", diffs}};
    if (s.keep) result.expected_changes = {{s.reference}, {}, "the reference database, kept (option keep_reference)"};
    if (!equal) {
        ctx.set_result(result.to_json());
        throw sdk::Failure(PGORCH_ERR_FAILED, "db \"" + s.database + "\" differs from the fresh install (" + built_as + "): " +
                                                  std::to_string(lines.size()) + " difference(s): " + sdk::join(lines, "; "));
    }
    return result.to_json();
}

const pgorch_option database_option = {sizeof(pgorch_option), "database", PGORCH_OPT_STRING, 0, "postgres",
                                       "The migrated database to compare."};
const pgorch_option script_option = {
    sizeof(pgorch_option), "reference_script", PGORCH_OPT_STRING, 0, nullptr,
    "The fresh-install script of the target version (.sql, or .sh / .py run with PGDATABASE set), relative to the scenario folder."};
const pgorch_option deltas_option = {
    sizeof(pgorch_option), "reference_migrations", PGORCH_OPT_STRING, 0, nullptr,
    "Instead of a script: a folder of deltas applied to the fresh reference database (up to target)."};
const pgorch_option reference_option = {sizeof(pgorch_option), "reference_database", PGORCH_OPT_STRING, 0, nullptr,
                                        "The reference database to create (it must not exist); default pgorch_reference_<step number>."};
const pgorch_option cluster_option = {sizeof(pgorch_option), "reference_cluster", PGORCH_OPT_STRING, 0, nullptr,
                                      "Build the reference on this cluster of the run (default: the step's cluster)."};
const pgorch_option template_option = {sizeof(pgorch_option), "template", PGORCH_OPT_STRING, 0, "template0",
                                       "The template of the reference database (CREATE DATABASE ... TEMPLATE)."};
const pgorch_option ignore_option = {sizeof(pgorch_option), "ignore", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                     "Kinds (or KIND:NAME globs) left out, pum's --ignore: tables, columns, constraints, views, "
                                     "sequences, indexes, triggers, functions, rules and pgorch's other kinds."};
const pgorch_option exclude_option = {sizeof(pgorch_option), "exclude_schemas", PGORCH_OPT_STRING_LIST, 0, nullptr,
                                      "Schemas (names or globs) left out; default the versions table's schema (pgorch_migrations)."};
const pgorch_option data_option = {sizeof(pgorch_option), "data", PGORCH_OPT_BOOLEAN, 0, "false",
                                   "Also compare the data: row counts and contents, sequence values, large objects."};
const pgorch_option keep_option = {sizeof(pgorch_option), "keep_reference", PGORCH_OPT_BOOLEAN, 0, "false",
                                   "Keep the reference database after the step."};
const pgorch_option* const options[] = {&database_option, &script_option, &deltas_option,  &sdk::opt_target, &reference_option,
                                        &cluster_option,  &template_option, &ignore_option, &exclude_option,  &data_option,
                                        &keep_option,     &sdk::opt_table,  &sdk::opt_gaps, nullptr};

const pgorch_plugin_descriptor descriptor = {
    .struct_size = sizeof(pgorch_plugin_descriptor),
    .abi_major = PGORCH_ABI_MAJOR,
    .abi_minor = PGORCH_ABI_MINOR,
    .kind = PGORCH_KIND_STEP,
    .name = "compare",
    .version = "1.0.0",
    .description = "Compares the migrated database with a fresh install of the target version (pum's checker): any difference fails.",
    .options = options,
    .validate = sdk::callback<compare_validate>,
    .run = sdk::callback<compare_run>,
    .provision = nullptr,
    .list_versions = nullptr,
    .requirements = R"({"versions": "same"})",
};

}  // namespace

PGORCH_DEFINE_PLUGIN(descriptor)
