// inplace_catalog: helpers over the host services (tools, scripts tree, single-user runs, dumps).
#include "inplace.hpp"

#include <algorithm>
#include <sstream>

namespace inplace {

using sdk::must;
using sdk::tail_lines;

// Pads the phase name with dots like the article's log.
void Job::phase(const std::string& name, bool ok) {
    std::string line = name;
    line += " ";
    while (line.size() < 52) line += '.';
    line += ok ? " OK" : " FAILED";
    log += line + "\n";
    last_phase = name;
    if (ok) ctx->info(line);
    else ctx->warn(line);
    save_log();
}

void Job::note(const std::string& line) {
    log += line + "\n";
    last_phase = line;
    ctx->info(line);
}

// Saves the phase log as an artifact (best effort: a log must never fail the step).
void Job::save_log() const {
    try {
        ctx->write_artifact(prefix + "inplace.log", log);
    } catch (const sdk::Failure&) {
    }
}

json::object catalog_info(Job& job) {
    auto r = sdk::run(*job.ctx, {job.catversion_tool, "info", job.cluster.datadir, "--json"});
    json::value v;
    try {
        v = json::parse(r.out);
    } catch (...) {
        throw sdk::Failure(PGORCH_ERR_ENVIRONMENT, "cannot run \"" + job.catversion_tool + "\": " + tail_lines(r.err, 5));
    }
    if (!v.is_object() || v.as_object().contains("error"))
        throw sdk::Failure(PGORCH_ERR_FAILED, "pgorch-catversion info failed: " + tail_lines(r.err, 5));
    return v.as_object();
}

void set_catalog_version(Job& job, uint32_t version, bool force) {
    std::vector<std::string> argv = {job.catversion_tool, "set", job.cluster.datadir, std::to_string(version)};
    if (force) argv.push_back("--force");
    auto r = must(*job.ctx, argv, "pgorch-catversion set " + std::to_string(version));
    job.note(tail_lines(r.out, 1));
}

// Lists files under scripts_dir (one find), reads CATALOG_VERSION files, keeps what applies.
std::vector<VersionDir> applicable_versions(Job& job, uint32_t old_cv, uint32_t new_cv) {
    auto list = must(*job.ctx, {"find", job.scripts_dir, "-mindepth", "2", "-maxdepth", "3", "-type", "f"},
                     "listing scripts folder \"" + job.scripts_dir + "\"");
    std::vector<std::string> files;
    std::istringstream in(list.out);
    for (std::string f; std::getline(in, f);)
        if (!f.empty()) files.push_back(f);
    std::sort(files.begin(), files.end());
    std::vector<VersionDir> out;
    const std::string base = job.scripts_dir + "/";
    for (const auto& f : files) {
        std::string rel = f.substr(base.size());
        if (rel.find('/') == std::string::npos || rel.substr(rel.find('/') + 1) != "CATALOG_VERSION") continue;
        VersionDir v;
        v.name = rel.substr(0, rel.find('/'));
        auto cat = must(*job.ctx, {"cat", f}, "reading \"" + f + "\"");
        try {
            v.catalog_version = static_cast<uint32_t>(std::stoul(cat.out));
        } catch (...) {
            throw sdk::Failure(PGORCH_ERR_INVALID, "file \"" + f + "\" does not hold a catalog version");
        }
        if (v.catalog_version <= old_cv || v.catalog_version > new_cv) continue;
        for (const char* sub : {"binary_upgrade_sql/", "upgrade_sql/", "reset_sql/"})
            for (const auto& g : files) {
                std::string p = base + v.name + "/" + sub;
                if (g.rfind(p, 0) == 0 && g.size() > 4 && g.substr(g.size() - 4) == ".sql")
                    (std::string(sub) == "reset_sql/" ? v.reset : v.upgrade).push_back(g);
            }
        out.push_back(std::move(v));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.catalog_version < b.catalog_version; });
    return out;
}

// Blank lines end a command in `postgres --single -j`: drop them inside a script.
std::string read_scripts(Job& job, const std::vector<VersionDir>& versions) {
    std::string sql;
    for (const auto& v : versions)
        for (const auto& f : v.upgrade) {
            auto r = must(*job.ctx, {"cat", f}, "reading \"" + f + "\"");
            std::string body;
            std::istringstream in(r.out);
            for (std::string line; std::getline(in, line);)
                if (line.find_first_not_of(" \t\r") != std::string::npos) body += line + "\n";
            while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
            if (body.empty()) continue;
            if (body.back() != ';') body += ";";
            sql += "-- " + v.name + ": " + f.substr(f.rfind('/') + 1) + "\n" + body + "\n\n";
        }
    return sql;
}

std::vector<std::string> column0(Job& job, const std::string& db, const std::string& query) {
    return sdk::first_column(*job.ctx, job.cluster_id, db, query);
}

std::vector<std::string> databases(Job& job) {
    return column0(job, "postgres", "SELECT datname FROM pg_database ORDER BY oid");
}

std::vector<std::pair<std::string, std::string>> tablespaces(Job& job) {
    json::object r = job.ctx->sql(job.cluster_id, "postgres",
                                  "SELECT spcname, pg_tablespace_location(oid) FROM pg_tablespace "
                                  "WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY oid");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& row : r.at("rows").as_array())
        out.emplace_back(std::string(row.as_array()[0].as_string()), std::string(row.as_array()[1].as_string()));
    return out;
}

void rename_tablespaces(Job& job, const json::array& locations, uint32_t from, uint32_t to) {
    for (const auto& l : locations) {
        std::string loc(l.as_string());
        std::string a = loc + "/PG_" + job.major + "_" + std::to_string(from);
        std::string b = loc + "/PG_" + job.major + "_" + std::to_string(to);
        must(*job.ctx, {"mv", "-T", a, b}, "renaming \"" + a + "\"");
        job.note("  " + a + " -> " + b);
    }
}

std::string single_user(Job& job, const std::string& bindir, const std::string& db, const std::string& sql) {
    // exit_on_error turns the first ERROR into FATAL: the transaction is rolled back and the
    // exit code says so, whatever the script does afterwards.
    sdk::ExecOptions with_sql;
    with_sql.stdin_data = sql;
    sdk::ExecResult r = sdk::run(*job.ctx,
                                 {bindir + "/postgres", "--single", "-D", job.cluster.datadir, "-b", "-j", "-c",
                                  "exit_on_error=on", "-c", "autovacuum=off", db},
                                 with_sql);
    std::string out = r.out + r.err;
    bool failed = !r.ok() || out.find("ERROR:") != std::string::npos || out.find("FATAL:") != std::string::npos ||
                  out.find("PANIC:") != std::string::npos;
    if (failed) {
        std::string why;
        std::istringstream in(out);
        for (std::string line; std::getline(in, line);)
            if (line.find("ERROR:") != std::string::npos || line.find("FATAL:") != std::string::npos) {
                // "backend> " prompts of postgres --single precede the message on its line.
                for (size_t p; (p = line.find("backend> ")) != std::string::npos;) line.erase(p, 9);
                why = line;
                break;
            }
        throw sdk::Failure(PGORCH_ERR_FAILED, "database \"" + db + "\": " + (why.empty() ? tail_lines(out, 5) : why));
    }
    return out;
}

std::string dump_catalog(Job& job, const std::string& bindir, const std::string& db, const std::string& kind) {
    ClusterInfo c = sdk::cluster_op(*job.ctx, "info", job.cluster_id);
    std::string file = job.backup_dir + "/dumps/" + kind + "_" + db + ".sql";
    must(*job.ctx, {bindir + "/pg_dump", "-h", c.socket_dir, "-p", std::to_string(c.port), "-U", job.superuser, "-n", "pg_catalog",
               "-f", file, db},
         "pg_dump -n pg_catalog of \"" + db + "\"");
    auto h = sdk::sh(*job.ctx, "grep -vE '^\\\\(un)?restrict ' \"$1\" | sha256sum | cut -c1-64", {file});
    return tail_lines(h.out, 1);
}

}  // namespace inplace
