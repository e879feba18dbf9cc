// standby: what the modes (create, sync) share. Everything goes through the host services
// (exec, sql, cluster, write_artifact), so the step runs unchanged on every runtime.
#pragma once

#include <pgorch/cluster.hpp>
#include <pgorch/exec.hpp>
#include <pgorch/options.hpp>
#include <pgorch/step.hpp>

#include <string>
#include <vector>

namespace standby {

namespace sdk = pgorch::sdk;
namespace json = boost::json;

// What a mode works with, read from the step input.
struct Job {
    sdk::Context* ctx = nullptr;
    std::string mode;            // create | sync
    std::string primary;         // the input cluster's id
    std::string name;            // the replica's cluster id (option "name")
    std::string slot;            // replication slot: name with non [a-z0-9_] mapped to _
    double timeout_s = 120;      // catch-up wait
    json::object from, to;       // install layouts
    std::string prefix;          // artifact prefix
    std::string work_dir;        // cwd of the tools
    std::string log;             // the step's own log, saved as <prefix>standby.log

    // A line in the run log and in the step's log (saved at once: a log never fails the step).
    void note(const std::string& line);
};

// The server log of a cluster as the cluster service names it ("" when unknown).
std::string server_log_of(Job& job, const std::string& id);

// What a catch-up wait saw.
struct CatchUp {
    std::string primary_lsn, replay_lsn, receiver_status;
    double wait_ms = 0;
};
// Waits (job.timeout_s) until the replica's WAL receiver streams and it replayed the primary's
// pg_current_wal_lsn() read now; throws Failure naming the replica's server log otherwise.
CatchUp wait_for_catchup(Job& job);

// The modes.
json::value run_create(Job& job);
json::value run_sync(Job& job);

}  // namespace standby
