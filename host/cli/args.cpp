#include "cli/args.hpp"

#include <set>

namespace pgorch::cli {
namespace {

const std::set<std::string> kCommands = {"run",      "validate", "list", "plugins",      "provision",
                                         "versions", "gc",       "help", "explain-error", "compare"};

// A command-line error (PGO-2001).
Error bad_usage(std::string message, std::string hint = {}) {
    return Error::of(errors::Code::command_line, std::move(message), std::move(hint));
}

// Reads an option's value: "--opt=value" or the next argument.
Expected<std::string> value_of(const std::vector<std::string>& args, size_t& i, const std::string& name,
                               const std::optional<std::string>& inline_value) {
    if (inline_value) return *inline_value;
    if (i + 1 >= args.size())
        return bad_usage("option \"" + name + "\" needs a value", "Run \"pgorch-host --help\" for the options.");
    return args[++i];
}

}  // namespace

Expected<Options> parse(const std::vector<std::string>& args) {
    Options o;
    bool operands_only = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (operands_only || a.empty() || a[0] != '-' || a == "-") {
            if (o.command.empty()) {
                if (!kCommands.count(a))
                    return bad_usage("unknown command \"" + a + "\"",
                                     "Commands are run, validate, list, plugins, provision, versions, gc, "
                                     "explain-error and compare; see \"pgorch-host --help\".");
                o.command = a == "help" ? "" : a;
                if (a == "help") o.help = true;
            } else {
                o.operands.push_back(a);
            }
            continue;
        }
        if (a == "--") { operands_only = true; continue; }
        std::string name = a;
        std::optional<std::string> inline_value;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = a.substr(0, eq);
            inline_value = a.substr(eq + 1);
        }
        auto take = [&]() { return value_of(args, i, name, inline_value); };
        if (name == "-h" || name == "--help") o.help = true;
        else if (name == "-V" || name == "--version") o.version = true;
        else if (name == "-v" || name == "--verbose") o.verbosity = std::max(o.verbosity, 0) + 1;
        else if (name == "-vv") o.verbosity = 2;
        else if (name == "-q" || name == "--quiet") o.verbosity = -1;
        else if (name == "--no-color") o.color = false;
        else if (name == "--bless") o.bless = true;
        else if (name == "--keep") o.keep = true;
        else if (name == "--json") o.json = true;
        else if (name == "--dry-run") o.dry_run = true;
        else if (name == "--data") o.data = true;
        else if (name == "-s" || name == "--silent") o.silent = true;
        else if (name == "-p1" || name == "--pg_service1" || name == "-p2" || name == "--pg_service2" || name == "-i" ||
                 name == "--ignore" || name == "--exclude-schema" || name == "--format" || name == "-o" || name == "--output") {
            auto v = take();
            if (!v) return v.error();
            if (name == "-p1" || name == "--pg_service1") o.p1 = *v;
            else if (name == "-p2" || name == "--pg_service2") o.p2 = *v;
            else if (name == "-i" || name == "--ignore") o.ignore.push_back(*v);
            else if (name == "--exclude-schema") o.exclude_schemas.push_back(*v);
            else if (name == "-o" || name == "--output") o.output = *v;
            else {
                if (*v != "text" && *v != "json" && *v != "html")
                    return bad_usage("--format must be text, json or html, not \"" + *v + "\"");
                o.format = *v;
            }
        }
        else if (name == "--scenario") {  // the original tool's spelling: --scenario NAME
            auto v = take();
            if (!v) return v.error();
            o.operands.push_back(*v);
        }
        else if (name == "--plugin-dir" || name == "--work-dir" || name == "--cache-dir" || name == "--log-file" ||
                 name == "--runtime" || name == "--jobs" || name == "-j" || name == "--describe" || name == "--call" ||
                 name == "--input" || name == "--edition" || name == "--package" || name == "--junit" ||
                 name == "--older-than") {
            auto v = take();
            if (!v) return v.error();
            if (name == "--plugin-dir") o.plugin_dirs.emplace_back(*v);
            else if (name == "--work-dir") o.work_dir = *v;
            else if (name == "--cache-dir") o.cache_dir = *v;
            else if (name == "--log-file") o.log_file = *v;
            else if (name == "--describe") o.describe = *v;
            else if (name == "--call") o.call = *v;
            else if (name == "--input") o.input = *v;
            else if (name == "--edition") o.edition = *v;
            else if (name == "--package") o.packages.push_back(*v);
            else if (name == "--older-than") o.older_than = *v;
            else if (name == "--junit") {
                if (v->empty()) return bad_usage("option \"--junit\" needs a file name");
                o.junit_file = *v;
            }
            else if (name == "--runtime") {
                if (*v != "auto" && *v != "local" && *v != "docker")
                    return bad_usage("--runtime must be auto, local or docker, not \"" + *v + "\"");
                o.runtime = *v;
            } else {
                try {
                    size_t used = 0;
                    o.jobs = std::stoi(*v, &used);
                    if (used != v->size() || o.jobs < 1) throw std::invalid_argument("jobs");
                } catch (const std::exception&) {
                    return bad_usage("--jobs must be a positive integer, not \"" + *v + "\"");
                }
            }
        } else {
            return bad_usage("unknown option \"" + a + "\"", "Run \"pgorch-host --help\" for the options.");
        }
    }
    return o;
}

std::string usage(const std::string& command) {
    if (command == "run")
        return R"(usage: pgorch-host run SCENARIO [options]

Validates the scenario, provisions every PostgreSQL version it names, runs it and writes the reports.
SCENARIO is a folder holding conf.yaml, or the name of one under scenarios/.

options:
  --runtime auto|local|docker  where to run (auto: docker when the scenario has docker: and an
                               engine answers, otherwise local)
  -j, --jobs N                 perf targets run side by side (default: the number of cores)
  --bless                      write the actual plans as the expected files
  --keep                       keep the clusters' data folders after the run
  --work-dir DIR               where run folders go (default: $PGORCH_WORK_DIR, see README)
  --cache-dir DIR              where provisioned versions are cached (default: $PGORCH_CACHE_DIR)
  --log-file FILE              also log to FILE (every run logs to <run>/logs/pgorch.log)
  --junit FILE                 also write the JUnit XML to FILE (a stable path for CI; every run
                               writes junit.xml, report.md and report.html into <run>/results)
  --dry-run                    resolve every version (in the run's container when it has one),
                               print them and stop: nothing is provisioned or run
  --scenario NAME              the original tool's spelling of SCENARIO

SCENARIO names are looked up in ./items/ (the original tool's folder), then ./, then the
scenarios pgorch ships.

exit codes: 0 passed, 1 a check failed, 2 invalid input, 3 environment error, 130 interrupted
)";
    if (command == "validate")
        return R"(usage: pgorch-host validate SCENARIO

Checks conf.yaml (keys, types, files, versions) and the plugins it needs (step types, db_type,
step args), then resolves every version on this machine (a selector such as "17" becomes the
newest 17.x a method can provide) and prints each with the method that provides it. Nothing is
provisioned or run. Errors are printed as file:line:column.
exit codes: 0 valid, 2 invalid, 3 a version cannot be had here
)";
    if (command == "versions")
        return R"(usage: pgorch-host versions [DB_TYPE] [MAJOR] [--json]

Lists, for each method of each distribution (or of DB_TYPE, for one MAJOR), what it can provide
on this machine right now: the exact version, the method, the toolset (full, or server only:
initdb, pg_ctl and postgres) and whether it is cached. A method that cannot list says why.
)";
    if (command == "list")
        return R"(usage: pgorch-host list [DIR]

Lists the scenarios (folders with a conf.yaml) in DIR, or in the scenario folders pgorch searches.
)";
    if (command == "plugins")
        return R"(usage: pgorch-host plugins [--describe NAME | --call NAME [--input JSON]] [--json]

Without options: lists the plugins loaded and the ones refused (with the reason).
  --describe NAME   the plugin's kind, version, file and declared options
  --call NAME       invoke a step's run (or a distro's provision) with --input JSON and print
                    the result; for plugin authors
Plugins are searched in <prefix>/lib/pgorch/plugins, then $PGORCH_PLUGIN_PATH, then --plugin-dir.
)";
    if (command == "provision")
        return R"(usage: pgorch-host provision DB_TYPE VERSION [--edition E] [--package FILE]... [--json]

Installs VERSION through the DB_TYPE distro plugin (e.g. pgdg 15.20) into the cache and prints its
layout (bindir, libdir, sharedir, exact version, catalog version).
)";
    if (command == "explain-error")
        return R"(usage: pgorch-host explain-error [CODE...]

Prints what an error code means and the usual fix. CODE is how errors print it (PGO-2005), its
number (2005) or its name (unknown_key). Without CODE: every code of the catalog, one a line.
The catalog is sdk/errors.yaml; docs/errors.md lists it too.
)";
    if (command == "compare")
        return R"(usage: pgorch-host compare [-p1] A [-p2] B [options]

Compares the schemas of two databases on the model of pgorch's verification: tables, columns,
constraints, views, sequences, indexes, triggers, functions and rules (pum's checker), and
types, extensions, privileges, owners, comments, policies, publications, statistics,
collations and storage parameters. Each difference names the object and the field:
  column "public.items.price": default 0 -> 1
A and B are libpq connection strings ("host=/tmp port=5432 dbname=app"), postgresql:// URIs
or service names of pg_service.conf (as pum's -p1/-p2 take them).

options:
  -i, --ignore KIND[:NAME]   leave a kind (or objects of it, NAME a glob) out; repeatable
  --exclude-schema SCHEMA    leave a schema (a name or a glob) out; repeatable
  --data                     also compare the data: row counts and contents, sequence
                             values, large objects
  --format text|json|html    output format (default text); html is one self-contained page
  -o, --output FILE          write there instead of the standard output
  -s, --silent               print nothing: the exit code says it

exit codes: 0 equal, 1 different, 2 invalid input, 3 a database cannot be reached
)";
    if (command == "gc")
        return R"(usage: pgorch-host gc [--older-than AGE] [SCENARIO_DIR...] [--work-dir DIR] [--cache-dir DIR]

Removes what old runs left: run folders not running whose run ended (or crashed) more than AGE
ago (default 7d; 12h, 30m, 0 = all), stopping a crashed run's servers first; and cached
PostgreSQL versions installed more than AGE ago that no scenario names. The scenarios that count
are those under the scenario folders pgorch searches (see `list`) and the SCENARIO_DIRs given; a
version is named by `db_version: '17.12'` and by `db_version: '17'`. While any run is going on,
the cache is left alone.
)";
    return R"(usage: pgorch-host [options] COMMAND [ARGS]

pgorch proves PostgreSQL upgrade paths and query plans/timings against real PostgreSQL.

commands:
  run SCENARIO         validate, run a scenario and report
  validate SCENARIO    check a scenario without running anything
  list [DIR]           list scenarios
  plugins              list, describe or call plugins
  provision T VERSION  install a PostgreSQL version through a distro plugin
  versions [T [MAJOR]] what each method can provide here (exact versions, toolsets)
  gc [--older-than 7d] remove old run folders and cached versions no scenario names
  explain-error CODE   what an error code (error[PGO-2005]) means and the usual fix
  compare A B          compare the schemas of two databases (exit 1 on a difference)

options:
  -v, --verbose        more output (-vv for trace)
  -q, --quiet          warnings and errors only
  --no-color           no colors (NO_COLOR is respected too)
  --plugin-dir DIR     also load plugins from DIR (repeatable)
  -V, --version        print the version
  -h, --help           help; "pgorch-host COMMAND --help" for a command

Errors print as "file:line:column: error[PGO-nnnn]: message"; exit codes: 0 passed, 1 a check
failed (PGO-1xxx), 2 invalid input (PGO-2xxx), 3 environment (PGO-3xxx), 130 interrupted.
)";
}

}  // namespace pgorch::cli
