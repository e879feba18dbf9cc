/*
 * pgorch plugin ABI, version 1.2.
 *
 * This header is the whole contract between pgorch-host and a plugin (a shared object).
 * It is plain C: fixed-width integers, UTF-8 `const char*`, opaque handles, structured data
 * as JSON text. No C++ type and no exception ever crosses it.
 *
 * A plugin exports exactly one function, PGORCH_PLUGIN_ENTRY ("pgorch_plugin_entry"), that
 * returns a pointer to a static const pgorch_plugin_descriptor. The host checks, in this
 * order, calls nothing but the entry function before they pass, and refuses the plugin with
 * one sentence naming the file and the mismatch (sdk/README.md lists every refusal):
 *   1. the file loads (dlopen with RTLD_NOW | RTLD_LOCAL);
 *   2. the entry symbol is exported;
 *   3. the entry returns a descriptor (not NULL, no exception);
 *   4. abi_major equals the host's PGORCH_ABI_MAJOR, and abi_minor is not newer than the host's
 *      (a newer one relies on services or settings this host does not have);
 *   5. struct_size is at least PGORCH_DESCRIPTOR_MIN_SIZE (the fields up to `options`) and
 *      every option's struct_size at least PGORCH_OPTION_MIN_SIZE (up to `flags`); fields past
 *      the declared size read as NULL, so a callback the plugin's struct does not reach (or
 *      reaches only in part) is absent;
 *   6. the name matches [a-z0-9_]+, the kind is known, every option has a key, a known type and
 *      a name of its own, and `requirements` (when set) parses and names known tools;
 *   7. the file is named pgorch-<kind>-<name>.so after the descriptor's kind and name;
 *   8. the callbacks required for the kind are non-NULL (step: run; distro: provision);
 *   9. no plugin of the same kind and name was loaded before.
 *
 * Concurrency: the host may call one plugin from several threads at once, so a plugin keeps
 * no unguarded state between calls. Perf targets run side by side (run --jobs): the perf checks'
 * `run` (explain, timing) and the distros' `provision` and `list_versions` are called
 * concurrently, for different targets. The host calls a distro's `provision` once per (version,
 * edition, method) and `list_versions` once per major in a run: concurrent callers of the same
 * one wait for the first. `validate` runs before anything else, and an upgrade chain calls its
 * step plugins' `run` one at a time. Each call has its own pgorch_call handle: use it on the
 * thread of the callback only, never after the callback returned. A callback may call any
 * service, the provision service included (a distro may provision another distro's version),
 * but asking for the very version it is providing is an error, not a wait.
 *
 * Compatibility rule: every struct begins with its own size and only ever grows at the end.
 * A host reads a field only when it lies inside the struct_size the plugin declared, so a
 * plugin built against an older SDK keeps loading in a newer host (same ABI major).
 *
 * Calls: every callback receives the host services table and an opaque pgorch_call handle.
 * A callback returns PGORCH_OK or an error code; it reports its structured result with
 * host->set_result(call, json) and a failure message with host->set_error(call, message).
 * Strings a service returns stay valid until the next service call made with the same call
 * handle, or the end of the callback, whichever comes first: copy what you keep.
 */
#ifndef PGORCH_PLUGIN_H
#define PGORCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PGORCH_ABI_MAJOR 1
#define PGORCH_ABI_MINOR 2

#define PGORCH_PLUGIN_ENTRY pgorch_plugin_entry
#define PGORCH_PLUGIN_ENTRY_NAME "pgorch_plugin_entry"

#if defined(_WIN32)
#define PGORCH_EXPORT __declspec(dllexport)
#else
#define PGORCH_EXPORT __attribute__((visibility("default")))
#endif

/* Status codes returned by callbacks and services. */
typedef enum pgorch_status {
    PGORCH_OK = 0,
    PGORCH_ERR_FAILED = 1,        /* the operation ran and failed (a check failed, a command exited non-zero) */
    PGORCH_ERR_INVALID = 2,       /* the input was wrong (bad option, unknown version) */
    PGORCH_ERR_ENVIRONMENT = 3,   /* the environment cannot do it (no network, missing tool) */
    PGORCH_ERR_UNAVAILABLE = 4,   /* this host does not provide the service */
    PGORCH_ERR_CANCELLED = 130    /* the run was interrupted */
} pgorch_status;

typedef enum pgorch_kind {
    PGORCH_KIND_STEP = 1,   /* an upgrade step or a perf check: run() */
    PGORCH_KIND_DISTRO = 2  /* a distribution: provision(), optionally list_versions() */
} pgorch_kind;

typedef enum pgorch_log_level {
    PGORCH_LOG_TRACE = 0,
    PGORCH_LOG_DEBUG = 1,
    PGORCH_LOG_INFO = 2,
    PGORCH_LOG_WARN = 3,
    PGORCH_LOG_ERROR = 4
} pgorch_log_level;

typedef enum pgorch_option_type {
    PGORCH_OPT_STRING = 1,
    PGORCH_OPT_INTEGER = 2,
    PGORCH_OPT_NUMBER = 3,
    PGORCH_OPT_BOOLEAN = 4,
    PGORCH_OPT_STRING_LIST = 5, /* a YAML list of strings, or one string */
    /* ABI 1.2: a file or folder of the scenario, named relative to the scenario folder. The host
     * resolves it inside that folder (a path that escapes it is refused, as for scripts), refuses
     * a missing one before anything runs, and hands the plugin its absolute path, which is the
     * same inside the run's container (the scenario folder is at its own path there). A host
     * refuses a plugin of ABI 1.1 or older that declares it. */
    PGORCH_OPT_PATH = 6
} pgorch_option_type;

/* Option flags. */
#define PGORCH_OPTF_REQUIRED 0x1u
/* Accepted for compatibility with existing scenarios but has no effect: the host warns. */
#define PGORCH_OPTF_IGNORED 0x2u
/* The value is a secret (a password, a token): the host registers it before the run and
 * replaces it by "***" in every log line, report and artifact it writes; an older host ignores the flag. */
#define PGORCH_OPTF_SECRET 0x4u

/* One option a plugin accepts (a step's `args:` key, a distro's settings). */
typedef struct pgorch_option {
    uint32_t struct_size;        /* sizeof(pgorch_option) as the plugin was built */
    const char* key;             /* e.g. "pg_upgrade" */
    int32_t type;                /* pgorch_option_type */
    uint32_t flags;              /* PGORCH_OPTF_* */
    const char* default_value;   /* as text, or NULL */
    const char* description;     /* one sentence */
} pgorch_option;
#define PGORCH_OPTION_V1_SIZE ((uint32_t)sizeof(pgorch_option))
/* The smallest option struct a host accepts: key, type and flags. */
#define PGORCH_OPTION_MIN_SIZE ((uint32_t)offsetof(pgorch_option, default_value))

typedef struct pgorch_call pgorch_call; /* opaque: one callback invocation */

/*
 * Services the host offers a plugin. Every request and response is JSON text; the exact
 * shapes are documented in sdk/README.md. A service returns a pgorch_status; on failure the
 * response (when the service has one) is {"error": "..."}.
 */
typedef struct pgorch_host_services {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* Report the callback's result (JSON object). May be called once; a later call replaces it. */
    void (*set_result)(pgorch_call* call, const char* json);
    /* Report why the callback failed: one lowercase sentence without a final period. */
    void (*set_error)(pgorch_call* call, const char* message);

    /* Write a line to the run's log under the plugin's name. */
    void (*log)(pgorch_call* call, int32_t level, const char* message);
    /* Report progress: fraction in [0,1], or negative when unknown, and what is happening. */
    void (*progress)(pgorch_call* call, double fraction, const char* message);

    /*
     * Run a command in the target environment (this machine, or the run's container).
     * request: {"argv": [...], "env": {...}, "cwd": "...", "timeout_s": N,
     *           "as": "postgres"|"invoker", "stdin": "..."}
     * response: {"exit_code": N, "stdout": "...", "stderr": "...", "duration_ms": N,
     *            "timed_out": bool}
     * A command that runs and exits non-zero is PGORCH_OK with its exit_code: the plugin decides.
     */
    int32_t (*exec)(pgorch_call* call, const char* request_json, const char** response_json);

    /*
     * Run SQL on a cluster through libpq.
     * request: {"cluster": "id", "database": "postgres", "sql": "...", "timeout_s": N,
     *           "keep_session": bool (keep the backend for the next call; false closes it)}
     * response: {"columns": [...], "rows": [[text|null,...],...], "command": "SELECT 3",
     *            "duration_ms": N (the statement alone, not the connection),
     *            "notices": [{"severity", "message", "detail"}...] (what the server sent, when any)}
     * On an SQL error the status is PGORCH_ERR_FAILED and the response {"error": "...",
     * "sqlstate": "42601", "position": N (PG_DIAG_STATEMENT_POSITION: characters from 1 in
     * "sql"), "detail", "hint", "context", "notices"} (the fields the server set).
     */
    int32_t (*sql)(pgorch_call* call, const char* request_json, const char** response_json);

    /*
     * Control clusters. request: {"op": ..., "cluster": "id", ...op fields}:
     *   "create"        {"install": layout, "initdb_args": [...] or "words", "port": N (0: free),
     *                    "datadir": "..." (default: in the run folder)}: registers and runs initdb
     *   "adopt"         {"install": layout, "datadir": "..."}: an existing data folder (made by a
     *                    tool such as pg_upgrade or pg_basebackup), pointed at this run's port and socket
     *   "start"         {"timeout_s": N (60)}
     *   "stop"          {"mode": "fast"|"smart"|"immediate", "timeout_s": N}
     *   "restart"       the same fields as stop, then start
     *   "status"        checks that a running server still accepts connections
     *   "info"          nothing else: the answer below
     *   "use_install"   {"install": layout}: the same data folder on other binaries (a minor update)
     *   "configure"     {"file": "..."}: appends a postgresql.conf-syntax file's settings
     *   "set_parameter" {"name": "...", "value": "..."}: one setting (applies at the next start)
     *   "destroy"       stops the cluster and removes its folders; answers {"destroyed": "id"}
     * Every other op answers the cluster's info {"id","datadir","port","socket_dir",
     * "install":{...},"running":bool,"version":"...","server_log":"..."}.
     * The schema ops, on the verification's model (sdk/README.md, "cluster"):
     *   {"op": "snapshot", "cluster", "database", "ignore": [..], "exclude_schemas": [..],
     *    "data": bool} -> the snapshot of that database (its schema kinds, and data when asked);
     *   {"op": "compare", "a": {"cluster", "database"} | {"snapshot": {...}}, "b": ..., "ignore",
     *    "exclude_schemas", "data", "missing": "...", "added": "..."} -> {"equal": bool,
     *    "count": N, "differences": [{"kind","object","noun","what","text","fields":[{"field",
     *    "before","after"}]}]}.
     */
    int32_t (*cluster)(pgorch_call* call, const char* request_json, const char** response_json);

    /*
     * Provision a version through its distro plugin.
     * request: {"db_type": "pgdg", "version": "15.20", "edition": null, "package": null}
     * response: the install layout {"bindir","libdir","sharedir","version","major",
     *           "catalog_version","distro","edition","method","tools":[...],"toolset"}
     */
    int32_t (*provision)(pgorch_call* call, const char* request_json, const char** response_json);

    /* Write an artifact into the run's results folder (relative name, no ".."). */
    int32_t (*write_artifact)(pgorch_call* call, const char* relative_name, const void* data, size_t size);

    /* Non-zero once the run was interrupted: stop soon and return PGORCH_ERR_CANCELLED. */
    int32_t (*cancelled)(pgorch_call* call);

    /* Value of a setting the plugin may read, NULL when unknown: "work_dir", "cache_dir",
     * "run_dir", "results_dir", "scenario_dir", "runtime" ("local"|"docker"), "tools_dir" (the
     * folder of pgorch-host, which holds pgorch's own tools such as pgorch-catversion). */
    const char* (*setting)(pgorch_call* call, const char* key);
} pgorch_host_services;
#define PGORCH_HOST_SERVICES_V1_SIZE ((uint32_t)sizeof(pgorch_host_services))

typedef int32_t (*pgorch_callback)(const pgorch_host_services* host, pgorch_call* call,
                                   const char* input_json);

/* What a plugin exports (through PGORCH_PLUGIN_ENTRY). */
typedef struct pgorch_plugin_descriptor {
    uint32_t struct_size;        /* sizeof(pgorch_plugin_descriptor) as the plugin was built */
    uint16_t abi_major;          /* PGORCH_ABI_MAJOR */
    uint16_t abi_minor;          /* PGORCH_ABI_MINOR */
    int32_t kind;                /* pgorch_kind */
    const char* name;            /* registry key: `type:` of a step, `db_type:` of a distro */
    const char* version;         /* the plugin's own version, e.g. "1.0.0" */
    const char* description;     /* one sentence */
    /* NULL-terminated array of option pointers (NULL: no option). */
    const pgorch_option* const* options;

    /* Optional: check the typed options ({"options"}; a distro per version: +"version","edition") first. */
    pgorch_callback validate;
    /* step: required. input: {"options","scenario_dir","cluster","from","to","step",...} */
    pgorch_callback run;
    /* distro: required. input: {"version","edition","package","options"} -> install layout */
    pgorch_callback provision;
    /* distro, optional: {"options", "major"} -> a version listing (pgorch/distro.hpp):
     * {"offers": [{"version","method","toolset","cached","cost"}...], "problems": [...],
     *  "versions": ["15.18", ...]} */
    pgorch_callback list_versions;

    /* ABI 1.1. step, optional: what the step needs, as JSON text (pgorch/step.hpp,
     * StepRequirements): {"from": {"own": [tools], "any": [tools]}, "to": {...},
     * "versions": "any"|"same"|"same_major"|"not_lower"|"not_lower_major"}. "own": tools the installation itself
     * must have; "any": tools it may borrow from another installation. NULL: the server tools
     * on both sides, any versions. The host checks it at load and refuses what cannot be had before
     * anything runs. "perf_check": "plan"|"timing": a perf check, called per query (pgorch/perf.hpp). */
    const char* requirements;
} pgorch_plugin_descriptor;
#define PGORCH_DESCRIPTOR_V1_SIZE ((uint32_t)sizeof(pgorch_plugin_descriptor))
/* The smallest descriptor a host accepts: everything up to and including `options`. */
#define PGORCH_DESCRIPTOR_MIN_SIZE ((uint32_t)offsetof(pgorch_plugin_descriptor, validate))

typedef const pgorch_plugin_descriptor* (*pgorch_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* PGORCH_PLUGIN_H */
