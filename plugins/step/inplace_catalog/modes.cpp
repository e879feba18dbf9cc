// inplace_catalog: the modes info, update (primary, replica) and reset, in the article's order.
#include "inplace.hpp"

#include <chrono>
#include <set>
#include <sstream>

namespace inplace {

using sdk::cluster_op;
using sdk::ms_since;
using sdk::must;

namespace {

// The catalog relation files of the initdb-created relations (OID < FirstNormalObjectId).
const char* kCatalogFiles =
    "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid < 16384 AND c.relkind IN ('r', 'i', 't', 'm') "
    "AND pg_relation_filepath(c.oid) IS NOT NULL";

// Copies the listed relation files (every fork and segment), pg_control, pg_wal and pg_replslot
// and the list of folders into the backup folder.
const char* kBackupScript =
    "set -e; d=$1; b=$2; mkdir -p -m 700 \"$b/files\"; cd \"$d\"; while read -r p; do "
    "for f in \"$p\" \"$p\".[0-9]* \"$p\"_fsm \"$p\"_vm \"$p\"_init; do if [ -e \"$f\" ]; then cp -a --parents \"$f\" \"$b/files/\"; fi; done; "
    "done; cp -a global/pg_control \"$b/pg_control\"; rm -rf \"$b/pg_wal\" \"$b/pg_replslot\"; "
    "cp -a pg_wal \"$b/pg_wal\"; cp -a pg_replslot \"$b/pg_replslot\"; find . -type d | sort > \"$b/dirs.txt\"";

// Puts files, pg_control, pg_wal and pg_replslot back; removes empty folders the update created.
const char* kRestoreScript =
    "set -e; d=$1; b=$2; m=$(stat -c %a \"$d\"); cp -a \"$b/files/.\" \"$d/\"; chmod \"$m\" \"$d\"; cp -a \"$b/pg_control\" \"$d/global/pg_control\"; "
    "rm -rf \"$d/pg_wal\" \"$d/pg_replslot\"; cp -a \"$b/pg_wal\" \"$d/pg_wal\"; cp -a \"$b/pg_replslot\" \"$d/pg_replslot\"; "
    "cd \"$d\"; find . -type d | sort > \"$b/dirs-after.txt\"; "
    "comm -13 \"$b/dirs.txt\" \"$b/dirs-after.txt\" | sort -r | while read -r x; do "
    "if rmdir \"$x\" 2>/dev/null; then echo \"an empty folder $d/${x#./} was deleted\"; fi; done";

// Creates (or empties) the backup folder, owned like the data folder.
void prepare_backup_dir(Job& job) {
    auto r = sdk::sh(*job.ctx, "set -e; rm -rf \"$1\"; mkdir -p \"$1/dumps\"; chown -R \"$(stat -c %u:%g \"$2\")\" \"$1\"",
                     {job.backup_dir, job.cluster.datadir}, sdk::invoker());
    if (!r.ok()) throw sdk::Failure(PGORCH_ERR_ENVIRONMENT, "cannot create backup folder \"" + job.backup_dir + "\": " + r.err);
}

// The first analysis of every mode: catalog versions and the applicable script folders.
std::vector<VersionDir> analysis(Job& job, uint32_t& old_cv) {
    json::object info = catalog_info(job);
    old_cv = static_cast<uint32_t>(info.at("catalog_version").to_number<int64_t>());
    job.note("CATALOG_VERSION_NO_OLD: " + std::to_string(old_cv));
    if (job.new_cv < old_cv) {
        job.phase("Initial update analysis", false);
        throw sdk::Failure(PGORCH_ERR_INVALID, "target catalog version " + std::to_string(job.new_cv) +
                                                   " is older than the cluster's " + std::to_string(old_cv));
    }
    auto versions = applicable_versions(job, old_cv, job.new_cv);
    job.note("Following directories will be searched to find sql-scripts applicable in this run:");
    for (const auto& v : versions) {
        job.note(job.scripts_dir + "/" + v.name + "/");
        job.note("Version: " + v.name + " CATALOG_VERSION_NO_NEW: " + std::to_string(v.catalog_version));
    }
    if (job.new_cv > old_cv && (versions.empty() || versions.back().catalog_version != job.new_cv)) {
        job.phase("Initial update analysis", false);
        throw sdk::Failure(PGORCH_ERR_INVALID, "no folder of \"" + job.scripts_dir + "\" has CATALOG_VERSION " +
                                                   std::to_string(job.new_cv) + " (the target's catalog version)");
    }
    job.phase("Initial update analysis", true);
    return versions;
}

json::array locations_of(const std::vector<std::pair<std::string, std::string>>& spcs) {
    json::array a;
    for (const auto& s : spcs) a.emplace_back(s.second);
    return a;
}

// Puts the catalog version and tablespace names back and starts the old binaries.
void undo_before_real_run(Job& job, uint32_t old_cv, const json::array& locations, bool renamed) {
    try {
        set_catalog_version(job, old_cv, true);
        if (renamed) rename_tablespaces(job, locations, job.new_cv, old_cv);
        cluster_op(*job.ctx, "use_install", job.cluster_id, {{"install", job.cluster.install}});
        cluster_op(*job.ctx, "start", job.cluster_id);
        job.phase("Restore catalog version and tablespaces", true);
    } catch (const sdk::Failure& f) {
        job.note(std::string("restore failed: ") + f.what());
        job.phase("Restore catalog version and tablespaces", false);
    }
}

}  // namespace

json::value run_info(Job& job) {
    job.note("======= START INPLACE_UPGRADE IN INFO MODE =======");
    uint32_t old_cv = 0;
    auto versions = analysis(job, old_cv);
    json::object ci = catalog_info(job);
    job.phase("Check catalog_version_no", ci.at("crc_ok").as_bool());
    read_scripts(job, versions);
    job.phase("Read all catalog update SQL-scripts", true);
    auto spcs = tablespaces(job);
    for (const auto& s : spcs) job.note("paths: " + s.second + " (" + s.first + ")");
    job.phase("Extract info about users tablespaces", true);
    bool required = job.new_cv > old_cv;
    job.note(std::string("INFO mode finished with Success. ") + (required ? "Update required." : "No update required."));
    json::array vs;
    for (const auto& v : versions) vs.emplace_back(v.name);
    return json::object{{"cluster", job.cluster_id},
                        {"metrics", {{"mode", "info"}, {"update_required", required}, {"old_catalog_version", old_cv},
                                     {"new_catalog_version", job.new_cv}, {"tablespaces", spcs.size()}}},
                        {"versions", vs},
                        {"logs", json::array{json::string(job.prefix + "inplace.log")}}};
}

json::value run_update_primary(Job& job) {
    auto t0 = std::chrono::steady_clock::now();
    job.note("======= START INPLACE_UPGRADE IN UPDATE MODE =======");
    uint32_t old_cv = 0;
    auto versions = analysis(job, old_cv);
    if (job.new_cv == old_cv) {
        job.note("UPDATE mode finished with Success. No update required.");
        return json::object{{"cluster", job.cluster_id}, {"metrics", {{"mode", "update"}, {"update_required", false}}}};
    }
    std::string sql = read_scripts(job, versions);
    job.phase("Read all catalog update SQL-scripts", true);
    if (!job.cluster.running) cluster_op(*job.ctx, "start", job.cluster_id);
    auto dbs = databases(job);
    job.superuser = column0(job, "postgres", "SELECT current_user").at(0);
    auto spcs = tablespaces(job);
    json::array locations = locations_of(spcs);
    prepare_backup_dir(job);

    // Catalog dumps (refuse to start when one fails) and the catalog files, with the old binaries.
    const std::string old_bindir = job.cluster.bindir;
    std::set<std::string> files;
    json::object hashes;
    bool dumps_ok = true;
    with_template0_open(job, [&] {
        for (const auto& db : dbs) {
            for (const auto& f : column0(job, db, kCatalogFiles)) files.insert(f);
            try {
                hashes[db] = dump_catalog(job, old_bindir, db, "catalog_old");
                job.phase("Dump catalog_old_" + db, true);
            } catch (const sdk::Failure& f) {
                job.note(f.what());
                job.phase("Dump catalog_old_" + db, false);
                dumps_ok = false;
            }
        }
    });
    if (!dumps_ok)
        throw sdk::Failure(PGORCH_ERR_FAILED, "a catalog dump failed before the update: nothing was changed");

    auto t_down = std::chrono::steady_clock::now();
    cluster_op(*job.ctx, "stop", job.cluster_id, {{"mode", "fast"}});
    std::string list;
    for (const auto& f : files) list += f + "\n";
    sdk::ExecOptions with_list;
    with_list.stdin_data = list;
    must(*job.ctx, {"sh", "-c", kBackupScript, "sh", job.cluster.datadir, job.backup_dir}, "backup of the catalog files", with_list);
    json::object manifest{{"old_catalog_version", old_cv}, {"new_catalog_version", job.new_cv}, {"major", job.major},
                          {"datadir", job.cluster.datadir}, {"tablespaces", locations}, {"catalog_files", files.size()},
                          {"dump_hashes", hashes}};
    sdk::write_file(*job.ctx, job.backup_dir + "/manifest.json", json::serialize(manifest));
    job.phase("Backup generation for all databases", true);

    // From here until the real run, any failure puts everything back.
    bool renamed = false;
    try {
        set_catalog_version(job, job.new_cv, false);
        job.phase("Update CATALOG_VERSION_NO", true);
        rename_tablespaces(job, locations, old_cv, job.new_cv);
        renamed = true;
        job.phase("Update user tablespaces", true);
        const std::string trial = "BEGIN;\n\nSET LOCAL allow_system_table_mods = on;\n\nSET LOCAL search_path TO pg_catalog;\n\n" +
                                  sql + "ROLLBACK;\n\n";
        for (const auto& db : dbs) {
            try {
                single_user(job, job.to.at("bindir").as_string().c_str(), db, trial);
                job.phase("Trial run of sql-scripts for database: " + db, true);
            } catch (const sdk::Failure& f) {
                job.note(f.what());
                job.phase("Trial run of sql-scripts for database: " + db, false);
                throw;
            }
        }
    } catch (const sdk::Failure& f) {
        undo_before_real_run(job, old_cv, locations, renamed);
        throw sdk::Failure(PGORCH_ERR_FAILED, std::string("nothing was changed, the old binaries start again: ") + f.what());
    }

    // The real run, database by database, each followed by a catalog dump with the new binaries.
    job.note("----------- UPDATE RUN -----------");
    const std::string new_bindir(job.to.at("bindir").as_string());
    const std::string real = "BEGIN;\n\nSET LOCAL allow_system_table_mods = on;\n\nSET LOCAL search_path TO pg_catalog;\n\n" +
                             sql + "COMMIT;\n\n";
    cluster_op(*job.ctx, "use_install", job.cluster_id, {{"install", job.to}});
    try {
        for (const auto& db : dbs) {
            job.note("Upgrading database: " + db);
            single_user(job, new_bindir, db, real);
            job.phase("Running sql-scripts for database: " + db, true);
            cluster_op(*job.ctx, "start", job.cluster_id);
            auto dump = [&] { dump_catalog(job, new_bindir, db, "catalog_new"); };
            if (db == "template0") with_template0_open(job, dump);
            else dump();
            job.phase("Dump catalog_new_" + db, true);
            cluster_op(*job.ctx, "stop", job.cluster_id, {{"mode", "fast"}});
        }
        cluster_op(*job.ctx, "start", job.cluster_id);
    } catch (const sdk::Failure& f) {
        job.phase("Finish upgrade", false);
        throw sdk::Failure(PGORCH_ERR_FAILED, std::string("the real run failed: ") + f.what() +
                                                  "; run the step in mode reset to restore the catalog");
    }
    job.phase("Finish upgrade", true);
    job.note("UPDATE mode finished with Success.");
    return json::object{{"cluster", job.cluster_id},
                        {"metrics", {{"mode", "update"}, {"update_required", true}, {"old_catalog_version", old_cv},
                                     {"new_catalog_version", job.new_cv}, {"databases", dbs.size()},
                                     {"catalog_files", files.size()}, {"downtime_ms", ms_since(t_down)},
                                     {"duration_ms", ms_since(t0)}}},
                        {"logs", json::array{json::string(job.prefix + "inplace.log")}}};
}

json::value run_update_replica(Job& job) {
    auto t0 = std::chrono::steady_clock::now();
    job.note("======= START INPLACE_UPGRADE IN UPDATE MODE (replica) =======");
    uint32_t old_cv = 0;
    auto versions = analysis(job, old_cv);
    if (job.new_cv == old_cv) return json::object{{"cluster", job.cluster_id}, {"metrics", {{"mode", "replica"}}}};
    read_scripts(job, versions);
    job.phase("Read all catalog update SQL-scripts", true);
    if (!job.cluster.running) cluster_op(*job.ctx, "start", job.cluster_id);
    json::array locations = locations_of(tablespaces(job));
    auto t_down = std::chrono::steady_clock::now();
    cluster_op(*job.ctx, "stop", job.cluster_id, {{"mode", "fast"}});
    set_catalog_version(job, job.new_cv, false);
    job.phase("Update CATALOG_VERSION_NO", true);
    rename_tablespaces(job, locations, old_cv, job.new_cv);
    job.phase("Update user tablespaces", true);
    cluster_op(*job.ctx, "use_install", job.cluster_id, {{"install", job.to}});
    cluster_op(*job.ctx, "start", job.cluster_id);
    job.phase("Finish upgrade", true);
    job.note("UPDATE mode finished with Success.");
    return json::object{{"cluster", job.cluster_id},
                        {"metrics", {{"mode", "replica"}, {"old_catalog_version", old_cv}, {"new_catalog_version", job.new_cv},
                                     {"downtime_ms", ms_since(t_down)}, {"duration_ms", ms_since(t0)}}},
                        {"logs", json::array{json::string(job.prefix + "inplace.log")}}};
}

json::value run_reset(Job& job) {
    auto t0 = std::chrono::steady_clock::now();
    job.note("======= START INPLACE_UPGRADE IN RESET MODE =======");
    auto m = sdk::read_file(*job.ctx, job.backup_dir + "/manifest.json");
    if (!m) throw sdk::Failure(PGORCH_ERR_INVALID, "no backup of an update in \"" + job.backup_dir + "\"");
    json::object manifest = json::parse(*m).as_object();
    uint32_t old_cv = static_cast<uint32_t>(manifest.at("old_catalog_version").to_number<int64_t>());
    uint32_t new_cv = static_cast<uint32_t>(manifest.at("new_catalog_version").to_number<int64_t>());
    if (std::string(manifest.at("datadir").as_string()) != job.cluster.datadir)
        throw sdk::Failure(PGORCH_ERR_INVALID, "the backup in \"" + job.backup_dir + "\" belongs to another data folder");
    auto t_down = std::chrono::steady_clock::now();
    if (job.cluster.running) cluster_op(*job.ctx, "stop", job.cluster_id, {{"mode", "fast"}});
    auto r = must(*job.ctx, {"sh", "-c", kRestoreScript, "sh", job.cluster.datadir, job.backup_dir}, "restoring the backup");
    job.phase("Restoring table files from backup", true);
    if (!r.out.empty()) job.note(sdk::tail_lines(r.out, 50));
    rename_tablespaces(job, manifest.at("tablespaces").as_array(), new_cv, old_cv);
    job.phase("Restoring catalog structure", true);
    cluster_op(*job.ctx, "use_install", job.cluster_id, {{"install", job.to}});
    cluster_op(*job.ctx, "start", job.cluster_id);
    job.superuser = column0(job, "postgres", "SELECT current_user").at(0);
    const json::object& before = manifest.at("dump_hashes").as_object();
    const std::string bindir(job.to.at("bindir").as_string());
    std::vector<std::string> differ;
    with_template0_open(job, [&] {
        for (const auto& db : databases(job)) {
            std::string h = dump_catalog(job, bindir, db, "catalog_restore");
            bool same = before.contains(db) && before.at(db).as_string() == h;
            job.phase("Dump catalog_restore_" + db, same);
            if (!same) differ.push_back(db);
        }
    });
    if (!differ.empty())
        throw sdk::Failure(PGORCH_ERR_FAILED, "the restored catalog differs from the one before the update in " +
                                                  std::to_string(differ.size()) + " database(s), first \"" + differ[0] +
                                                  "\" (dumps in \"" + job.backup_dir + "/dumps\")");
    job.note("RESET mode finished with Success.");
    return json::object{{"cluster", job.cluster_id},
                        {"metrics", {{"mode", "reset"}, {"catalog_version", old_cv}, {"downtime_ms", ms_since(t_down)},
                                     {"duration_ms", ms_since(t0)}}},
                        {"logs", json::array{json::string(job.prefix + "inplace.log")}}};
}

}  // namespace inplace
