// The scenario model: a conf.yaml of the original tool (kind: perf | kind: upgrade), field for
// field, with the location of every value so that any later error can point at file:line:col.
#pragma once

#include "core/error.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgorch::scenario {

namespace fs = std::filesystem;

// A scalar exactly as written in the YAML (versions stay strings: "16.10" is not 16.1).
struct Text {
    std::string value;
    SourceLocation where;
    bool empty() const { return value.empty(); }
};

// A file the scenario names, resolved inside the scenario folder.
struct FileRef {
    std::string as_written;   // "fill_db.sh", "cases/case_1/explain_query.sql"
    fs::path path;            // absolute, inside the scenario folder
    SourceLocation where;
};

struct DockerSettings {
    std::optional<Text> image, registry, container_name;
    std::optional<int> host_port, container_port;
    SourceLocation where;
};

// `args:` / `db_args:`: tool name -> extra arguments as one string, e.g. initdb: "--encoding=UTF8".
using ArgMap = std::map<std::string, Text>;

// What a distro plugin needs to provision one version.
struct DbTarget {
    Text db_type;                  // "pgdg", "ttdb" (default "pgdg" when omitted)
    Text db_version;               // "15.20"
    std::optional<Text> db_edition;
    std::vector<FileRef> packages; // `package:` (string or list), resolved under packages/ or the folder
    std::optional<int> db_port;    // perf db_params only (the host port in the original tool)
    SourceLocation where;
    // perf db_params only: run this target in its own container of this image (docker runtime).
    std::optional<Text> docker_image;
};

struct ExplainQuery {
    FileRef query;
    std::vector<FileRef> expected;
    SourceLocation where;
};

struct TimingQuery {
    FileRef query;
    double expected_time_ms = 0;   // integer or fractional in the YAML
    SourceLocation where;
};

struct PerfCase {
    Text name;
    std::optional<FileRef> pre_hook, post_hook;
    std::vector<ExplainQuery> explain_queries;
    std::vector<TimingQuery> timing_queries;
    SourceLocation where;
};

// `verify:` of an upgrade scenario (top level: every step; in a step: that step only): patterns
// `KIND` or `KIND:[DB/]NAME-GLOB` for the verification after each step (engine/verify.hpp).
struct VerifySettings {
    std::vector<Text> ignore;            // not compared at all
    std::vector<Text> expected_changes;  // compared and reported, but not a failure
    std::optional<int> jobs;             // parallel sessions of a snapshot (default: the core count)
    std::optional<bool> amcheck;         // amcheck after each step (default: no)
    std::optional<Text> collations;      // warn | fail | off (default: warn)
    SourceLocation where;
};

// A key of a step that is not one of the host's step keys (parser.hpp step_keys()): an option of
// the step's plugin written in the seed's style (`migrations: app/migrations`); the validation
// checks it against the plugin's declared options.
struct StepKey {
    std::string key;
    SourceLocation key_where;
    Text text;                                // a scalar value
    std::optional<std::vector<Text>> list;    // a YAML list
};

struct UpgradeStep {
    Text type;                     // registry key of a step plugin: pg_upgrade, minor, pg_dumpall ...
    DbTarget target;               // db_type defaults to the scenario's
    std::vector<FileRef> pre_scripts, post_scripts, verifiers;
    ArgMap args;                   // e.g. pg_upgrade: "--link"
    SourceLocation where;
    std::optional<VerifySettings> verify;  // added by the upgrade module
    std::vector<StepKey> plugin_keys;      // the step's other keys, in file order
    // The step plugin's options from `args` and plugin_keys, converted to their declared types
    // by the validation against the plugins (validate_against_plugins).
    boost::json::object options;
};

enum class Kind { perf, upgrade };

struct Scenario {
    Kind kind = Kind::perf;
    std::string name;              // folder name
    fs::path dir;                  // absolute scenario folder
    fs::path manifest;             // dir / "conf.yaml"

    ArgMap args;                   // `args:` and `db_args:` merged (both spellings accepted)
    std::optional<DockerSettings> docker;

    // kind: upgrade
    DbTarget start;                // db_type, db_version, db_edition, package
    std::vector<FileRef> initial_setup_script, initial_pre_scripts, initial_post_scripts;
    std::vector<FileRef> pre_scripts, post_scripts, verifiers;
    std::vector<UpgradeStep> steps;

    // kind: perf
    std::vector<DbTarget> db_params;
    std::vector<FileRef> db_initial_script;
    std::optional<FileRef> configuration;
    std::vector<FileRef> initial_script;
    double performance_coefficient = 1.0;
    std::vector<PerfCase> cases;

    // kind: upgrade, added by the upgrade module
    std::optional<VerifySettings> verify;

    // Options of the perf check plugins and of the distro plugins, by plugin name, from `args:
    // <plugin>: "--key=value ..."`, converted to their declared types by the validation against
    // the plugins (validate_against_plugins). A plugin with no options has none here.
    std::map<std::string, boost::json::object> perf_check_options, distro_options;
};

// Every problem found, in file order. A scenario with errors must not run.
struct Diagnostics {
    std::vector<Error> errors;
    std::vector<Error> warnings;
    bool ok() const { return errors.empty(); }
};

}  // namespace pgorch::scenario
