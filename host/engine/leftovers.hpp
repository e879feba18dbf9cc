// What runs leave behind. A local run records itself in its folder (core/run_lock.hpp); the next
// run, of any scenario, finds the runs that crashed (kill -9 of pgorch-host), stops the servers
// they left running and removes their data folders, and says so. After a run the data folders
// follow one policy: --keep keeps them; a run that passed (or was refused, or interrupted)
// removes them; a failed run keeps them for inspection and prints their size and path.
// `pgorch-host gc` removes old run folders and cached versions no scenario names.
#pragma once

#include "core/error.hpp"
#include "core/run_lock.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pgorch::engine {

namespace fs = std::filesystem;

// What one crashed run left, once cleaned.
struct Leftovers {
    std::string run;             // the run folder's name
    int servers = 0;             // servers stopped
    std::uintmax_t bytes = 0;    // data removed
    std::string str() const;     // "removed leftovers of run X: 1 server stopped, 374 MB freed"
};

// Stops every server of the run folder whose postmaster.pid still names a live postmaster: the
// pid's start time must equal the one PostgreSQL wrote (line 3) and the process must work in
// that data folder, so a pid reused by another process is never signalled; each signal is sent
// only while the start time is unchanged (fast shutdown, then immediate, then SIGKILL). Returns
// how many were stopped.
int stop_servers_of(const fs::path& run_dir);

// Stops the servers of a crashed run and removes its clusters/ folder; logs and results stay
// for `gc`. `lock` is the crashed run's lock, taken by the caller: the record becomes "cleaned".
Leftovers clean_crashed_run(const fs::path& run_dir, RunLock& lock);

// clean_crashed_run for every crashed run under work_dir (but `self`), each logged with str().
std::vector<Leftovers> clean_crashed_runs(const fs::path& work_dir, const fs::path& self = {});

// Applies the data-folder policy to a finished run and logs what it kept.
void finish_data_folders(const fs::path& run_dir, ExitCode code, bool keep);

struct GcOptions {
    fs::path work_dir;
    fs::path cache_dir;
    double older_than_s = 7 * 86400.0;
    std::vector<fs::path> scenario_roots;  // folders of scenarios (or of one scenario) whose versions stay
};

struct GcOutcome {
    std::vector<std::string> removed;  // one line per folder removed
    std::uintmax_t bytes = 0;
    bool cache_skipped = false;        // a run is going on: cached versions were left alone
};

// Removes, under work_dir, run folders not running whose record is older than older_than_s
// (stopping a crashed run's servers first), and provisioning folders of dead processes; under
// cache_dir, installed versions (folders holding .pgorch-install.json) older than older_than_s
// that no scenario under scenario_roots names, and staging folders of interrupted downloads.
// A version is named by a scenario when a db_version equals it or is a prefix of it up to a dot
// ("17" names 17.12). Nothing in the cache is removed while any run is going on.
GcOutcome collect_garbage(const GcOptions& options);

// "7d", "12h", "30m", "45s", "0" -> seconds; an Error for anything else.
Expected<double> parse_age(const std::string& text);

}  // namespace pgorch::engine
