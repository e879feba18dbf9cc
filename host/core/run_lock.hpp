// The record a local run keeps in its folder (run.lock): who runs it (pid and start time), and
// whether it finished. The file is flock()ed for the whole run, so a run whose lock can be taken
// is not running any more: a lock that is free while the record still says "running" is a crash
// (kill -9, power loss), whatever the pid now belongs to. The descriptor is close-on-exec: a
// server the run started never inherits (and so never keeps) the lock.
#pragma once

#include "core/error.hpp"

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace pgorch {

// run.lock's states.
enum class RunState {
    none,      // no run.lock: not a run folder of this pgorch
    running,   // its process holds the lock
    finished,  // it ended and said so
    crashed,   // the lock is free but the record says running
    cleaned,   // crashed, and a later run stopped its servers and removed its data
};

class RunLock {
public:
    RunLock() = default;
    RunLock(RunLock&& other) noexcept;
    RunLock& operator=(RunLock&& other) noexcept;
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;
    ~RunLock();  // releases the lock (the record stays as last written)

    // Creates <run_dir>/run.lock for this process ("running") and locks it.
    static Expected<RunLock> create(const std::filesystem::path& run_dir);
    // Takes the lock of an existing run folder when it is free (nothing when it is held or missing).
    static Expected<RunLock> take(const std::filesystem::path& run_dir);

    // Rewrites the record with a new state (the pid and start time stay).
    Status mark(RunState state);

    RunState recorded() const { return recorded_; }  // the state read when taken
    pid_t pid() const { return pid_; }
    unsigned long long start_ticks() const { return start_; }

private:
    int fd_ = -1;
    RunState recorded_ = RunState::none;
    pid_t pid_ = 0;
    unsigned long long start_ = 0;
};

// The state of a run folder: none, running (locked by someone), or what its record says.
RunState probe_run(const std::filesystem::path& run_dir);

}  // namespace pgorch
