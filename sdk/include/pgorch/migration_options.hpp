// pgorch SDK: the options the migration steps (migrate, stairway, compare) share, declared once
// and read once: the folder of deltas, the database, the versions table, the gap policy, the
// statistics and the warning thresholds. A wrong value throws Failure(PGORCH_ERR_INVALID) whose
// message starts with `option "KEY"`, so that the host points at that option in conf.yaml.
#pragma once

#include <pgorch/migration_run.hpp>
#include <pgorch/migrations.hpp>
#include <pgorch/options.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace pgorch::sdk {

inline constexpr pgorch_option opt_migrations = {
    sizeof(pgorch_option), "migrations", PGORCH_OPT_STRING, PGORCH_OPTF_REQUIRED, nullptr,
    "The folder of delta files, relative to the scenario folder (V003__name.sql, U003__name.sql, delta_1.2.3_name.sql ...)."};
inline constexpr pgorch_option opt_database = {sizeof(pgorch_option), "database", PGORCH_OPT_STRING, 0, "postgres",
                                               "The database the deltas apply to."};
inline constexpr pgorch_option opt_table = {
    sizeof(pgorch_option), "table", PGORCH_OPT_STRING, 0, "pgorch_migrations.applied",
    "The versions table, [schema.]name: one row per applied delta; created with its schema when missing."};
inline constexpr pgorch_option opt_gaps = {
    sizeof(pgorch_option), "gaps", PGORCH_OPT_STRING, 0, "warn",
    "Versions that skip one (V002 then V004): allow, warn (a warning at validation) or refuse (an error)."};
inline constexpr pgorch_option opt_target = {sizeof(pgorch_option), "target", PGORCH_OPT_STRING, 0, "latest",
                                             "Stop at this version (e.g. 3 or 1.2.3); latest applies every delta."};
inline constexpr pgorch_option opt_statistics = {
    sizeof(pgorch_option), "statistics", PGORCH_OPT_BOOLEAN, 0, "true",
    "Collect the queries of each delta with pg_stat_statements (preloaded, with one restart, when the server lacks it)."};
inline constexpr pgorch_option opt_long_query_ms = {sizeof(pgorch_option), "long_query_ms", PGORCH_OPT_NUMBER, 0, "100",
                                                    "A statement that takes longer is a warning in the report."};
inline constexpr pgorch_option opt_lock_wait_ms = {sizeof(pgorch_option), "lock_wait_ms", PGORCH_OPT_NUMBER, 0, "1000",
                                                   "A lock wait longer than this is a warning in the report."};
inline constexpr pgorch_option opt_statement_timeout_s = {
    sizeof(pgorch_option), "statement_timeout_s", PGORCH_OPT_NUMBER, 0, "0",
    "statement_timeout of each statement of a delta, in seconds (0: none)."};

// What the shared options say.
struct MigrationOptions {
    std::string folder_text;                 // as written
    std::filesystem::path folder;            // absolute, inside the scenario folder
    std::string database = "postgres", table = "pgorch_migrations.applied";
    GapPolicy gaps = GapPolicy::warn;
    std::optional<DeltaVersion> target;      // nullopt: latest
    bool statistics = true;
    double long_query_ms = 100, lock_wait_ms = 1000, timeout_s = 0;

    // The settings of a Migrator on `cluster`.
    MigrationSettings settings(const std::string& cluster, const std::string& artifact_prefix) const {
        MigrationSettings s;
        s.cluster = cluster;
        s.database = database;
        s.table = table;
        s.statistics = statistics;
        s.long_query_ms = long_query_ms;
        s.lock_wait_ms = lock_wait_ms;
        s.timeout_s = timeout_s;
        s.artifact_prefix = artifact_prefix;
        return s;
    }
};

namespace detail {
[[noreturn]] inline void bad(const std::string& key, const std::string& what) {
    throw Failure(PGORCH_ERR_INVALID, "option \"" + key + "\": " + what);
}
}  // namespace detail

// A version option ("3", "1.2.3"); nullopt when absent or `latest_word` ("latest").
inline std::optional<DeltaVersion> option_version(const json::object& options, const std::string& key,
                                                  const char* latest_word = "latest") {
    std::string text = option_text(options, key);
    if (text.empty() || (latest_word && text == latest_word)) return std::nullopt;
    std::string digits = !text.empty() && (text[0] == 'V' || text[0] == 'v') ? text.substr(1) : text;
    auto v = DeltaVersion::parse(digits);
    if (!v) detail::bad(key, "\"" + text + "\" is not a version (numbers separated by \".\" or \"_\", e.g. 3 or 1.2.3)");
    return v;
}

// A folder option, relative to the scenario folder and inside it.
inline std::filesystem::path option_folder(const json::object& options, const std::string& key, const std::string& scenario_dir) {
    namespace fs = std::filesystem;
    std::string text = option_text(options, key);
    if (text.empty()) detail::bad(key, "it is required");
    fs::path base = fs::weakly_canonical(scenario_dir.empty() ? fs::current_path() : fs::path(scenario_dir));
    fs::path p = fs::weakly_canonical(fs::path(text).is_absolute() ? fs::path(text) : base / text);
    auto rel = p.lexically_relative(base);
    if (rel.empty() || *rel.begin() == "..") detail::bad(key, "\"" + text + "\" is outside the scenario folder");
    return p;
}

// Creates `db` on `cluster` from `template_db`; it must not exist yet (a step's scratch database
// is made fresh, never reused: `what` says whose it is in the refusal).
inline void create_fresh_database(const Context& ctx, const std::string& cluster, const std::string& db,
                                  const std::string& template_db, const std::string& what) {
    if (sql_value(ctx, cluster, "SELECT count(*) FROM pg_database WHERE datname = " + sql_literal(db)) != "0")
        throw Failure(PGORCH_ERR_FAILED, "database \"" + db + "\" exists on cluster \"" + cluster + "\": " + what + " is built fresh");
    ctx.info("creating database \"" + db + "\" from template \"" + template_db + "\"");
    ctx.sql(cluster, "postgres", "CREATE DATABASE " + sql_qualified(db) + " TEMPLATE " + sql_qualified(template_db));
}

// Reads the shared options; `scenario_dir` resolves the folder.
inline MigrationOptions read_migration_options(const json::object& options, const std::string& scenario_dir) {
    MigrationOptions m;
    m.folder_text = option_text(options, "migrations");
    m.folder = option_folder(options, "migrations", scenario_dir);
    m.database = option_text(options, "database", "postgres");
    if (m.database.empty()) detail::bad("database", "it is empty");
    m.table = option_text(options, "table", m.table);
    if (!valid_table_name(m.table)) detail::bad("table", "\"" + m.table + "\" is not a table name ([schema.]name of letters, digits and _)");
    std::string gaps = option_text(options, "gaps", "warn");
    auto g = gap_policy(gaps);
    if (!g) detail::bad("gaps", "\"" + gaps + "\" is not allow, warn or refuse");
    m.gaps = *g;
    m.target = option_version(options, "target");
    m.statistics = option_flag(options, "statistics", true);
    m.long_query_ms = option_number(options, "long_query_ms").value_or(100);
    m.lock_wait_ms = option_number(options, "lock_wait_ms").value_or(1000);
    m.timeout_s = option_number(options, "statement_timeout_s").value_or(0);
    if (m.long_query_ms < 0) detail::bad("long_query_ms", "it must not be negative");
    if (m.lock_wait_ms < 1) detail::bad("lock_wait_ms", "it must be 1 or more");
    if (m.timeout_s < 0) detail::bad("statement_timeout_s", "it must not be negative");
    return m;
}

// The folder's deltas; its errors (all of them, one per line) throw Failure(PGORCH_ERR_INVALID)
// starting with `option "migrations"`; warnings are logged. `target` must name a delta.
inline DeltaSet read_checked_deltas(const Context& ctx, const MigrationOptions& m) {
    DeltaSet set = read_deltas(m.folder, m.gaps);
    std::string errors;
    std::size_t count = 0;
    for (const auto& p : set.problems) {
        if (p.warning) {
            ctx.warn("migrations \"" + m.folder_text + "\": " + p.str() + (p.hint.empty() ? "" : " (" + p.hint + ")"));
            continue;
        }
        errors += "\n  " + p.str() + (p.hint.empty() ? "" : "\n    hint: " + p.hint);
        ++count;
    }
    if (count)
        throw Failure(PGORCH_ERR_INVALID, "option \"migrations\": " + std::to_string(count) + " problem" + (count == 1 ? "" : "s") +
                                              " in folder \"" + m.folder_text + "\":" + errors);
    if (m.target && !set.find(*m.target))
        detail::bad("target", "no delta of version " + m.target->str() + " in \"" + m.folder_text + "\"");
    return set;
}

}  // namespace pgorch::sdk
