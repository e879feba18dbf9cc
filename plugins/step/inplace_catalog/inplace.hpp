// inplace_catalog: what the modes share. Everything goes through the host services (exec, sql,
// cluster, write_artifact), so the step runs unchanged on every runtime.
#pragma once

#include <pgorch/cluster.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/options.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace inplace {

namespace sdk = pgorch::sdk;
namespace json = boost::json;
using sdk::ClusterInfo;

// One version folder of the scripts tree (the article's sql_upgrade_6xx/<version>/).
struct VersionDir {
    std::string name;                 // folder name, e.g. "15-v1"
    uint32_t catalog_version = 0;     // its CATALOG_VERSION file
    std::vector<std::string> upgrade; // binary_upgrade_sql/*.sql then upgrade_sql/*.sql, sorted
    std::vector<std::string> reset;   // reset_sql/*.sql
};

// Everything a mode works with, gathered from the input.
struct Job {
    sdk::Context* ctx = nullptr;
    std::string mode, role;
    std::string cluster_id;
    ClusterInfo cluster;          // as the cluster service describes it at the start
    json::object from, to;        // install layouts
    std::string scripts_dir;      // absolute
    std::string backup_dir;       // absolute
    std::string catversion_tool;  // pgorch-catversion
    std::string prefix;           // artifact prefix
    std::string major;
    uint32_t new_cv = 0;
    std::string superuser;        // the role pgorch's sessions use (pg_dump -U)
    std::string last_phase;       // name of the last phase or note, for unexpected errors
    std::string log;              // the readable phase log, saved as <prefix>inplace.log

    // "Phase name........ OK": one line in the run log and in the phase log.
    void phase(const std::string& name, bool ok);
    // A free line in the phase log (and the run log).
    void note(const std::string& line);
    void save_log() const;
};

// pgorch-catversion info --json of the cluster's data folder.
json::object catalog_info(Job& job);
// pgorch-catversion set (with --force when asked); throws on refusal.
void set_catalog_version(Job& job, uint32_t version, bool force);

// Version folders of scripts_dir with old < CATALOG_VERSION <= new, in catalog-version order.
std::vector<VersionDir> applicable_versions(Job& job, uint32_t old_cv, uint32_t new_cv);
// The SQL of every applicable script, each ending with ";" and a blank line (postgres -j).
std::string read_scripts(Job& job, const std::vector<VersionDir>& versions);

// The first column of a query's rows in one database of the job's cluster (NULLs skipped).
std::vector<std::string> column0(Job& job, const std::string& db, const std::string& query);
// Databases of the cluster (template0 and template1 included), in OID order.
std::vector<std::string> databases(Job& job);
// {name, location} of user tablespaces.
std::vector<std::pair<std::string, std::string>> tablespaces(Job& job);
// Renames <location>/PG_<major>_<from> to PG_<major>_<to> in every tablespace.
void rename_tablespaces(Job& job, const json::array& locations, uint32_t from, uint32_t to);

// Runs `sql` in `db` with `postgres --single -b -j` of `bindir`; returns the output, throws
// Failure(FAILED) with the server's error when the run fails.
std::string single_user(Job& job, const std::string& bindir, const std::string& db, const std::string& sql);
// pg_dump -n pg_catalog of one database of the running cluster into the backup folder as
// <kind>_<db>.sql; returns the dump's hash (restrict keys filtered), throws when it fails.
std::string dump_catalog(Job& job, const std::string& bindir, const std::string& db, const std::string& kind);
// Lets connections into template0 while `fn` runs (pg_upgrade does the same), then forbids them.
template <class Fn>
void with_template0_open(Job& job, Fn fn);

// The modes.
json::value run_info(Job& job);
json::value run_update_primary(Job& job);
json::value run_update_replica(Job& job);
json::value run_reset(Job& job);

}  // namespace inplace

#include "inplace_impl.hpp"
