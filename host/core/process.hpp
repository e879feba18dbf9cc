// Identifying a process safely: pids wrap (pid_max is 32768 on these machines), so a pid is only
// signalled when its start time says it is still the process we mean.
#pragma once

#include <filesystem>
#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace pgorch::process {

// When a live process started, in clock ticks since boot (field 22 of /proc/PID/stat); nullopt
// when there is no such process (or only its zombie). Exact: equal ticks mean the same process.
std::optional<unsigned long long> start_ticks(pid_t pid);

// The same, as seconds since the epoch (boot time from /proc/stat plus ticks / CLK_TCK).
std::optional<double> start_epoch(pid_t pid);

// The process's working folder (/proc/PID/cwd); empty when it cannot be read.
std::filesystem::path working_dir(pid_t pid);

// Sends `sig` only when `pid` still has the start time `ticks`; false when it does not (gone,
// or the pid now belongs to another process) or kill(2) fails.
bool signal_if_same(pid_t pid, unsigned long long ticks, int sig);

// Bytes of the regular files under a folder (not following links); 0 when it does not exist.
std::uintmax_t tree_size(const std::filesystem::path& dir);

}  // namespace pgorch::process
