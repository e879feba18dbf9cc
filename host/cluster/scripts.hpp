// The script runner: hooks, fill scripts, pre/post scripts and verifiers. `.sh` runs with bash,
// `.py` with python3, `.sql` with the version's psql (-v ON_ERROR_STOP=1 -X -f), any other
// executable file directly. Scripts run as the service user with a cluster's client_env()
// (PGHOST, PGPORT, PGUSER=postgres, ... see cluster/pg_cluster.hpp), so a seed-style
// `psql -U postgres -c "CREATE TABLE ..."` works unchanged.
#pragma once

#include "core/error.hpp"
#include "runtime/runtime.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pgorch::cluster {

namespace fs = std::filesystem;

// The argv that runs `script` (psql comes from PATH of `env`, i.e. the version's bindir).
// An Error when the file is missing or of a kind pgorch cannot run.
Expected<std::vector<std::string>> script_command(const fs::path& script);

// Runs a script to completion. A non-zero exit is NOT an Error (the caller decides, see
// script_failure()); an Error means it could not run at all (missing file, no interpreter).
// cwd empty: the script's folder.
Expected<runtime::ExecResult> run_script(runtime::Runtime& rt, const fs::path& script,
                                         const std::map<std::string, std::string>& env, const fs::path& cwd,
                                         double timeout_s);

// Turns a failed result into an Error naming the script, its exit code (or timeout) and the
// last `lines` lines of its output; success when the result is ok().
Status script_failure(const fs::path& script, const runtime::ExecResult& result, int lines = 20);

}  // namespace pgorch::cluster
